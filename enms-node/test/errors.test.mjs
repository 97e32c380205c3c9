// Bad input never crashes: it throws (or rejects with) an Error whose `code` names the enms-core
// error variant and whose `field` names the column or parameter at fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { enms, throwsEnms } from './helpers.mjs';

const T0 = Date.parse('2025-01-06T00:00:00Z');
const ts = (n) => Array.from({ length: n }, (_, i) => T0 + i * 1000);


test('NaN power names the column', () => {
  throwsEnms(() => enms.rollupSync({ ts: ts(3), powerKw: [1, NaN, 2] }, { width: '15m' }), 'ENMS_NON_FINITE', 'power_kw');
});

test('empty readings', () => {
  throwsEnms(() => enms.rollupSync({ ts: [], powerKw: [] }, { width: '15m' }), 'ENMS_EMPTY_SERIES', 'ts');
  throwsEnms(() => enms.rollupSync([], { width: '15m' }), 'ENMS_EMPTY_SERIES', 'ts');
});

test('columns of different lengths', () => {
  throwsEnms(() => enms.rollupSync({ ts: ts(3), powerKw: [1, 2] }, { width: '15m' }), 'ENMS_LENGTH_MISMATCH', 'power_kw');
});

test('unsorted and duplicate timestamps', () => {
  throwsEnms(() => enms.rollupSync({ ts: [T0 + 2000, T0 + 1000], powerKw: [1, 2] }, { width: '1m' }), 'ENMS_UNSORTED', 'ts');
  throwsEnms(() => enms.rollupSync({ ts: [T0, T0], powerKw: [1, 2] }, { width: '1m' }), 'ENMS_DUPLICATE_TIMESTAMP', 'ts');
});

test('non-finite or unparsable times', () => {
  throwsEnms(() => enms.rollupSync({ ts: [T0, NaN], powerKw: [1, 2] }, { width: '1m' }), 'ENMS_NON_FINITE', 'ts');
  throwsEnms(() => enms.rollupSync([{ ts: 'yesterday', powerKw: 1 }], { width: '1m' }), 'ENMS_PARSE', 'ts');
});

test('bad parameters', () => {
  const r = { ts: ts(3), powerKw: [1, 2, 3] };
  throwsEnms(() => enms.rollupSync(r, { width: '15 parsecs' }), 'ENMS_INVALID_PARAMETER', 'width');
  throwsEnms(() => enms.rollupSync(r, { width: '15m', timezone: 'Mars/Olympus' }), 'ENMS_UNKNOWN_TIME_ZONE', null);
  throwsEnms(() => enms.rollupSync(r, { width: '15m', maxGapS: -1 }), 'ENMS_INVALID_PARAMETER', 'max_gap_s');
  throwsEnms(() => enms.peakDemandSync(r, { method: 'rolling', windowMinutes: 15, stepMinutes: 4 }), 'ENMS_INVALID_PARAMETER', 'step_minutes');
  throwsEnms(() => enms.peakDemandSync(r, { method: 'sideways' }), 'ENMS_INVALID_PARAMETER', 'method');
  throwsEnms(() => enms.carbonKg(10, 'unobtainium'), 'ENMS_INVALID_PARAMETER', 'carrier');
  throwsEnms(() => enms.carbonKg(10, 'electricity', { electricity: -1 }), 'ENMS_INVALID_PARAMETER', 'kg_per_kwh');
  throwsEnms(() => enms.flatTariff('euro', 0.2, 'Europe/Berlin', '2025-01-01'), 'ENMS_INVALID_PARAMETER', 'currency');
  throwsEnms(() => enms.simulateSync({ seed: 1, start: T0, end: T0 + 3.6e6, machines: ['toaster-9'] }), 'ENMS_UNKNOWN_MACHINE', 'machines');
  throwsEnms(() => enms.simulateSync({ seed: 1, start: T0, end: T0 - 1 }), 'ENMS_INVALID_PARAMETER', 'end');
});

test('a bad tariff names the field', () => {
  const tariff = enms.flatTariff('EUR', 0.2, 'Europe/Berlin', '2025-01-01');
  tariff.versions[0].baseRatePerKwh = -0.1;
  const r = { ts: ts(600), powerKw: new Float64Array(600).fill(10) };
  throwsEnms(() => enms.energyCostSync(r, tariff, { width: '15m' }), 'ENMS_INVALID_PARAMETER', 'base_rate_per_kwh');
});

test('bad KPI report input names the column', () => {
  const machine = { id: 'm1', factoryId: 'f1', name: 'M1', machineType: 'compressor', ratedPowerKw: 50, carrier: 'electricity', intervalS: 1 };
  throwsEnms(() => enms.kpiReportSync([]), 'ENMS_EMPTY_SERIES', 'machines');
  throwsEnms(
    () => enms.kpiReportSync([{ machine, readings: { ts: ts(3), powerKw: [1, Infinity, 2] } }]),
    'ENMS_NON_FINITE',
    'power_kw',
  );
  throwsEnms(
    () => enms.kpiReportSync([{ machine, readings: { ts: ts(3), powerKw: [1, 2, 3] }, production: { ts: ts(2), values: [1, -1] } }]),
    'ENMS_NEGATIVE',
    'production',
  );
  throwsEnms(
    () => enms.kpiReportSync([{ machine: { ...machine, machineType: 'toaster' }, readings: { ts: ts(3), powerKw: [1, 2, 3] } }]),
    'ENMS_INVALID_PARAMETER',
    'machine_type',
  );
});

test('async functions reject with the same Error', async () => {
  await assert.rejects(enms.rollup({ ts: ts(3), powerKw: [1, NaN, 2] }, { width: '15m' }), (e) => {
    assert.equal(e.code, 'ENMS_NON_FINITE');
    assert.equal(e.field, 'power_kw');
    return true;
  });
  await assert.rejects(enms.kpiReport([]), { code: 'ENMS_EMPTY_SERIES', field: 'machines' });
});

test('arguments of the wrong JS type are rejected by napi, not a crash', () => {
  assert.throws(() => enms.rollupSync('not readings', { width: '15m' }), (e) => e instanceof Error && e.code === 'InvalidArg');
  assert.throws(() => enms.loadFactor('a', 1, 2), (e) => e instanceof Error);
});

test('bad interval energy', () => {
  const ts = [Date.parse('2025-01-06T00:15:00Z')];
  throwsEnms(() => enms.rollupSync({ ts, energyKwh: [1], intervalS: -5 }, { width: '1h' }), 'ENMS_INVALID_PARAMETER', 'interval_s');
  throwsEnms(() => enms.rollupSync({ ts, energyKwh: [-1], intervalS: 900 }, { width: '1h' }), 'ENMS_NEGATIVE', 'energy_kwh');
  // an interval reaching before the representable time line: an error, not a crash
  throwsEnms(() => enms.rollupSync({ ts: [-9.2e15], energyKwh: [1], intervalS: 9e12 }, { width: '1h' }), 'ENMS_TIMESTAMP_OUT_OF_RANGE', null);
});
