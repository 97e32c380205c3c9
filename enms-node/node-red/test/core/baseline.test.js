'use strict';
// The baseline monitor: the baseline it trains is enms' fit of the training rows, and each
// reporting row's deviation and CUSUM equal enms' performance report of the whole reporting
// period computed in one call, however the rows are batched.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const enms = require('enms');
const { BaselineMonitor, column } = require('../../src/core/baseline');

const DAY = 864e5;
const T0 = Date.parse('2025-01-06T00:00:00Z');

/** Daily rows of a plant: 200 kWh + 1.5 kWh per part + 12 kWh per heating degree-day, 150 kWh less on weekends; `factor` scales the energy. */
function days(n, from, factor = 1, machineId = 'press-1') {
  let a = 17 + from;
  const u = () => {
    a = (a * 48271) % 2147483647;
    return a / 2147483647;
  };
  return Array.from({ length: n }, (_, k) => {
    const d = from + k;
    const weekend = d % 7 >= 5;
    const parts = (weekend ? 20 : 400) + 100 * u();
    const hdd = Math.max(0, 12 - 10 * Math.sin((2 * Math.PI * d) / 365) + 4 * (u() - 0.5));
    const noise = 20 * (u() + u() + u() - 1.5);
    return {
      machineId,
      start: T0 + d * DAY,
      end: T0 + (d + 1) * DAY,
      energyKwh: factor * (200 + 1.5 * parts + 12 * hdd - (weekend ? 150 : 0) + noise),
      parts,
      hdd,
      dayType: weekend ? 'weekend' : 'weekday',
    };
  });
}

const OPTIONS = { drivers: ['parts', 'hdd', 'dayType'], target: 'energyKwh', trainingPeriods: 60, fit: { gates: ['sep', 'ashrae14-daily'] } };

test('columns: strings stay categorical, missing numbers become NaN', () => {
  assert.deepEqual(column(['a', 'b']), ['a', 'b']);
  assert.deepEqual(Array.from(column([1, undefined, 3])), [1, NaN, 3]);
});

test('the baseline and every deviation equal enms computed in one call, whatever the batches', () => {
  const training = days(60, 0);
  const reporting = days(30, 60, 0.95);
  const all = [...training, ...reporting];
  const cols = (rows) => ({ parts: rows.map((r) => r.parts), hdd: rows.map((r) => r.hdd), dayType: rows.map((r) => r.dayType) });
  const direct = enms.fitBaselineSync(training.map((r) => r.energyKwh), cols(training), {
    gates: ['sep', 'ashrae14-daily'],
    training: { start: T0, end: T0 + 60 * DAY },
  });
  const report = direct.performanceSync(reporting.map((r) => r.energyKwh), cols(reporting));
  for (const batch of [1, 7, 90]) {
    const m = new BaselineMonitor(enms, OPTIONS);
    const out = [];
    for (let i = 0; i < all.length; i += batch) out.push(...m.push(all.slice(i, i + batch)));
    assert.equal(out.length, 1 + 30);
    const [fit, ...perf] = out;
    assert.equal(fit.kind, 'baseline');
    assert.equal(fit.passed, true, fit.failures.join('; '));
    assert.deepEqual(fit.coefficients, direct.coefficients);
    assert.deepEqual(fit.training, { start: T0, end: T0 + 60 * DAY });
    assert.deepEqual(enms.Baseline.fromJSON(JSON.stringify(fit.model)).coefficients, direct.coefficients);
    perf.forEach((p, i) => {
      assert.equal(p.kind, 'performance');
      assert.equal(p.start, reporting[i].start);
      assert.equal(p.deviation, report.deviation[i]);
      assert.equal(p.expected, report.expected[i]);
      assert.ok(Math.abs(p.cusum - report.cusum[i]) <= 1e-9 * Math.abs(report.cusum[i]) + 1e-9);
    });
    const last = perf[perf.length - 1];
    assert.ok(Math.abs(last.savings - report.savings) <= 1e-9 * report.savings);
    assert.equal(last.savingsLow > 0, true, '5 % savings found');
    assert.ok(last.enpiIndex < 1 && last.cusum < 0);
  }
});

test('a model that fails its gates is reported, and performance refuses it unless allowed', () => {
  const rows = days(40, 0);
  const strict = new BaselineMonitor(enms, { ...OPTIONS, trainingPeriods: 30, fit: {} }); // enms' default gates: the charter's
  const [fit] = strict.push(rows.slice(0, 30));
  assert.equal(fit.passed, false);
  assert.ok(fit.failures.some((f) => f.startsWith('charter observations: 30 observations')), fit.failures.join('; '));
  assert.throws(() => strict.push(rows.slice(30, 31)), (e) => e.code === 'ENMS_INVALID_PARAMETER' && e.field === 'baseline');
  const lenient = new BaselineMonitor(enms, { ...OPTIONS, trainingPeriods: 30, fit: {}, performance: { allowFailedGates: true } });
  const out = lenient.push(rows);
  assert.equal(out.length, 11);
  assert.equal(out[10].baselinePassed, false);
});

test('bad rows are enms errors, and the monitor keeps going', () => {
  const rows = days(70, 0);
  const m = new BaselineMonitor(enms, OPTIONS);
  m.push(rows.slice(0, 60));
  assert.throws(() => m.push([{ ...rows[60], hdd: undefined }]), (e) => e.code === 'ENMS_NON_FINITE' && e.field === 'hdd');
  assert.throws(() => m.push([{ ...rows[60], dayType: 'holiday' }]), (e) => e.code === 'ENMS_PARSE' && e.field === 'dayType');
  const [p] = m.push([rows[60]]);
  assert.equal(p.periods, 1);
  // a NaN in the training window: the fit fails with the driver named, and training starts over
  const t = new BaselineMonitor(enms, { ...OPTIONS, trainingPeriods: 10 });
  assert.throws(() => t.push([...rows.slice(0, 9), { ...rows[9], parts: NaN }]), (e) => e.code === 'ENMS_NON_FINITE' && e.field === 'parts');
  assert.equal(t.state('press-1').training.length, 0);
  assert.throws(() => new BaselineMonitor(enms, { ...OPTIONS, trainingPeriods: 0 }), /trainingPeriods/);
});

test('machines get a baseline each, and reset starts over', () => {
  const a = days(61, 0, 1, 'a');
  const b = days(61, 0, 1.1, 'b');
  const m = new BaselineMonitor(enms, OPTIONS);
  const out = m.push(a.flatMap((r, i) => [r, b[i]]));
  assert.deepEqual(out.map((x) => `${x.kind} ${x.machineId}`), ['baseline a', 'baseline b', 'performance a', 'performance b']);
  m.reset('a');
  assert.equal(m.machines.has('a'), false);
  assert.equal(m.machines.has('b'), true);
  m.reset();
  assert.equal(m.machines.size, 0);
});
