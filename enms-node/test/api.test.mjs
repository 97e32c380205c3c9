// The shapes data can take in and out of the addon: columns or records, ms numbers, ISO strings
// or BigInt64Array microseconds; a stepped session equals one simulation over the whole span.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { enms } from './helpers.mjs';

const T0 = Date.parse('2025-01-06T10:00:00Z');

test('a hand-computed trapezoid (0 -> 60 kW over 30 min, then flat)', () => {
  const r = enms.rollupSync(
    { ts: [T0, T0 + 30 * 60e3, T0 + 60 * 60e3], powerKw: [0, 60, 60] },
    { width: '15m', maxGapS: 3600 },
  );
  assert.equal(r.width, '15m');
  assert.deepStrictEqual(Array.from(r.start), [0, 15, 30, 45, 60].map((m) => T0 + m * 60e3));
  const close = (a, b) => Math.abs(a - b) < 1e-9;
  assert.ok(close(r.energyKwh[0], 3.75) && close(r.energyKwh[1], 11.25) && close(r.energyKwh[2], 15));
  assert.deepStrictEqual(Array.from(r.sampleCount), [1, 0, 1, 0, 1]);
  assert.deepStrictEqual(r.hasGap, [false, false, false, false, true]);
  assert.ok(Number.isNaN(r.minPowerKw[1]));
});

test('columns, records, ISO strings and BigInt64Array give the same rollup', () => {
  const n = 500;
  const ms = Array.from({ length: n }, (_, i) => T0 + i * 7000);
  const p = Array.from({ length: n }, (_, i) => 20 + (i % 17));
  const opts = { width: '5m', timezone: 'Europe/Berlin' };
  const a = enms.rollupSync({ ts: Float64Array.from(ms), powerKw: Float64Array.from(p) }, opts);
  const b = enms.rollupSync(ms.map((t, i) => ({ ts: t, powerKw: p[i] })), opts);
  const c = enms.rollupSync({ ts: ms.map((t) => new Date(t).toISOString()), powerKw: p }, opts);
  const d = enms.rollupSync({ ts: BigInt64Array.from(ms.map((t) => BigInt(t) * 1000n)), powerKw: p }, opts);
  for (const x of [b, c, d]) assert.deepStrictEqual(x, a);
});

test('standard rollups nest: days hold the energy of their minutes', () => {
  const n = 2 * 86400 / 10;
  const ts = Float64Array.from({ length: n }, (_, i) => Date.parse('2025-03-29T00:00:00Z') + i * 10e3);
  const powerKw = Float64Array.from({ length: n }, (_, i) => 10 + (i % 360) / 36);
  const s = enms.standardRollupsSync({ ts, powerKw }, { timezone: 'Europe/Berlin' });
  const sum = (a) => a.reduce((x, y) => x + y, 0);
  for (const r of [s.quarterHour, s.hour, s.day]) assert.ok(Math.abs(sum(r.energyKwh) - sum(s.minute.energyKwh)) < 1e-6);
  // 2025-03-30 is the day clocks go forward in Berlin: a 23-hour local day
  const i = Array.from(s.day.start).indexOf(Date.parse('2025-03-29T23:00:00Z'));
  assert.equal(s.day.end[i] - s.day.start[i], 23 * 3600e3);
});

test('bucketOf follows TimescaleDB time_bucket', () => {
  assert.deepStrictEqual(enms.bucketOf('2025-01-06T10:07:00Z', '15m'), {
    start: Date.parse('2025-01-06T10:00:00Z'),
    end: Date.parse('2025-01-06T10:15:00Z'),
  });
  assert.equal(enms.bucketOf('2025-01-06T10:07:00Z', '1d', 'Europe/Berlin').start, Date.parse('2025-01-05T23:00:00Z'));
});

test('SEC per bucket, rolling peak demand, flat-tariff cost and hourly carbon', async () => {
  const n = 3 * 3600;
  const ts = Float64Array.from({ length: n + 1 }, (_, i) => T0 + i * 1000);
  const powerKw = Float64Array.from({ length: n + 1 }, (_, i) => (i >= 600 && i < 1200 ? 400 : 100));
  const readings = { ts, powerKw };
  const prodTs = Float64Array.from({ length: 180 }, (_, i) => T0 + (i + 1) * 60e3);
  const sec = await enms.secPerBucket(readings, { ts: prodTs, values: new Float64Array(180).fill(2) }, { width: '1h' });
  // the last reading (T0 + 3 h) opens a fourth, empty-production bucket
  assert.deepStrictEqual(Array.from(sec.production), [120, 120, 120, 0]);
  assert.equal(sec.sec[3], null);
  assert.equal(sec.sec[1], sec.energyKwh[1] / 120);

  const fixed = enms.peakDemandSync(readings);
  const rolling = enms.peakDemandSync(readings, { method: 'rolling', stepMinutes: 1 });
  assert.equal(fixed.method, 'fixed_blocks');
  assert.equal(rolling.stepMinutes, 1);
  assert.ok(rolling.peakDemandKw > fixed.peakDemandKw, 'a sliding window finds the whole 10-minute burst');

  const tariff = enms.flatTariff('EUR', 0.25, 'Europe/Berlin', '2025-01-01');
  const cost = await enms.energyCost(readings, tariff, { width: '15m', fixed: false, demand: false });
  const energy = (await enms.rollup(readings, { width: '15m' })).energyKwh.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(cost.totalCost - 0.25 * energy) < 1e-9);
  assert.deepStrictEqual(cost.byPeriod.map((p) => p.name), ['base']);

  const hours = Float64Array.from({ length: 4 }, (_, i) => T0 + i * 3600e3);
  const kg = await enms.hourlyCarbonKg(readings, { ts: hours, kgPerKwh: [0.3, 0.3, 0.3, 0.3] }, { width: '15m' });
  assert.ok(Math.abs(kg - 0.3 * energy) < 1e-9);
  assert.equal(enms.carbonKg(100, 'natural_gas'), 100 * enms.defaultCarbonFactors().natural_gas);
  const rs = enms.reactiveSummary(100, 48.4, 0.4);
  assert.ok(Math.abs(rs.excessKvarh - 8.4) < 1e-9 && rs.powerFactor < 1);
});

test('a session stepped on a timer equals one simulation of the whole span', () => {
  const start = Date.parse('2025-06-02T06:00:00Z');
  const end = start + 2 * 3600e3;
  const whole = enms.simulateSync({ seed: 3, start, end, machines: ['compressor-1', 'boiler-1'] });
  assert.deepStrictEqual(whole.machines.map((m) => m.id), ['compressor-1', 'boiler-1']);
  const s = new enms.SimulatorSession({ seed: 3, machines: ['compressor-1', 'boiler-1'] }, start);
  const got = [];
  for (let t = start + 7 * 60e3; ; t = Math.min(end, t + 7 * 60e3)) {
    got.push(...s.advanceRecords(t).energyReadings);
    if (t === end) break;
  }
  assert.equal(s.now, end);
  const comp = got.filter((r) => r.machineId === 'compressor-1');
  assert.deepStrictEqual(comp.map((r) => r.ts), Array.from(whole.energyReadings[0].ts));
  assert.deepStrictEqual(comp.map((r) => r.powerKw), Array.from(whole.energyReadings[0].powerKw));
  for (let i = 1; i < got.length; i++) assert.ok(got[i].ts >= got[i - 1].ts, 'records are sorted by time');
});

test('a real-time session advances with the wall clock', async () => {
  const s = new enms.SimulatorSession({ seed: 1, machines: ['compressor-1'], speed: 600 }, T0);
  await new Promise((r) => setTimeout(r, 50));
  const rec = s.advanceToNow();
  assert.ok(s.now > T0, 'simulated time moved on');
  assert.ok(rec.energyReadings.length > 0);
  assert.throws(() => new enms.SimulatorSession({ seed: 1 }, T0).advanceToNow(), { code: 'ENMS_INVALID_PARAMETER', field: 'speed' });
  assert.throws(() => new enms.SimulatorSession({ seed: 1, speed: -2 }, T0), { code: 'ENMS_INVALID_PARAMETER', field: 'speed' });
});

test('simulator times: local dates of the factory, RFC 3339 instants and ms agree', () => {
  const opts = { seed: 2, machines: ['hvac-1'] };
  const a = enms.simulateSync({ ...opts, start: '2025-07-01', end: '2025-07-01T01:00:00+02:00' });
  const b = enms.simulateSync({ ...opts, start: Date.parse('2025-06-30T22:00:00Z'), end: Date.parse('2025-06-30T23:00:00Z') });
  assert.equal(a.start, Date.parse('2025-06-30T22:00:00Z')); // midnight in Berlin (UTC+2 in summer)
  assert.deepStrictEqual(a, b);
  assert.throws(() => enms.simulateSync({ ...opts, start: 'soon', end: '2025-07-02' }), { code: 'ENMS_PARSE', field: 'start' });
  // a millennium would not fit in memory: refused before anything is simulated
  assert.throws(() => enms.simulateSync({ ...opts, start: '2025-07-01', end: '3025-07-01' }), { code: 'ENMS_INVALID_PARAMETER', field: 'end' });
});

test('the simulator accepts a plant configuration', () => {
  const config = enms.defaultFactoryConfig();
  config.factory.id = 'plant-9';
  config.machines = config.machines.filter((m) => m.id === 'hvac-1');
  const sim = enms.simulateSync({ seed: 5, config, start: T0, end: T0 + 3600e3 });
  assert.equal(sim.factory.id, 'plant-9');
  assert.deepStrictEqual(sim.machines.map((m) => [m.id, m.factoryId]), [['hvac-1', 'plant-9']]);
  assert.throws(() => enms.simulateSync({ seed: 5, config: { machines: 3 }, start: T0, end: T0 + 1 }), { code: 'ENMS_INVALID_PARAMETER', field: 'config' });
  // a BigInt (napi's own conversion aborted the process on it) is a bad option, also in a session
  const big = { ...config, seed_offset: 1n };
  assert.throws(() => enms.simulateSync({ seed: 5, config: big, start: T0, end: T0 + 1 }), { code: 'ENMS_INVALID_PARAMETER', field: 'seed_offset' });
  assert.throws(() => new enms.SimulatorSession({ seed: 1, config: big }, T0), { code: 'ENMS_INVALID_PARAMETER', field: 'seed_offset' });
  // null is the demo plant, as an absent config
  assert.equal(enms.simulateSync({ seed: 5, config: null, start: T0, end: T0 + 60e3 }).machines.length, enms.defaultFactoryConfig().machines.length);
});

test('interval energy (15-minute registers labelled by their end) rolls up and prices like power', () => {
  const t0 = Date.parse('2025-01-06T00:00:00Z');
  const ts = Array.from({ length: 8 }, (_, i) => t0 + (i + 1) * 15 * 60e3);
  const energyKwh = [1, 2, 3, 4, 5, 6, 7, 8];
  const input = { ts, energyKwh, intervalS: 900 };
  const r = enms.rollupSync(input, { width: '1h' });
  assert.deepStrictEqual(Array.from(r.energyKwh), [10, 26]);
  const peak = enms.peakDemandSync(input);
  assert.equal(peak.peakDemandKw, 32); // 8 kWh in the last quarter hour
  const cost = enms.energyCostSync(input, enms.flatTariff('EUR', 0.5, 'UTC', '2025-01-01'), { width: '15m' });
  assert.equal(cost.energyCost, 18);
});
