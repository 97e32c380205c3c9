// Forecasting from Node: the steel plant's week-ahead forecast and backtest equal enms-core's own
// (enms-py/tests/fixtures/forecast_steel.json, written by the Rust test enms-py/tests/forecast_steel.rs
// on the same data), intervals in order, regressors, the JSON round trip, the peak of a day with
// the hours at risk, the drift monitor, and bad input as Errors with `code` and `field`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { enms, throwsEnms, ticksDuring } from './helpers.mjs';

const FIXTURE = JSON.parse(
  readFileSync(new URL('../../enms-py/tests/fixtures/forecast_steel.json', import.meta.url), 'utf8'),
);
const STEEL_CSV = new URL('../../../shared/data/steel_industry_2018.csv', import.meta.url);
const HOUR = 3600e3;

function close(what, ours, theirs, rel = 1e-9) {
  assert.ok(Math.abs(ours - theirs) <= rel * Math.max(Math.abs(theirs), 1), `${what}: ${ours} vs ${theirs}`);
}

/** The steel plant's 15-minute kWh summed into local hours (Asia/Seoul, UTC+9 all year), each
 * stamped with its start (ms, UTC): as enms-py/tests/forecast_steel.rs builds it. */
function steelHourly() {
  const lines = readFileSync(STEEL_CSV, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  const head = lines[0].split(',');
  const [cDate, cKwh, cNsm] = ['date', 'Usage_kWh', 'NSM'].map((c) => head.indexOf(c));
  const hours = new Map();
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const [d, t] = f[cDate].split(' ');
    const [day, month, year] = d.split('/').map(Number);
    const [hh, mm] = t.split(':').map(Number);
    let end = Date.UTC(year, month - 1, day, hh, mm) - 9 * HOUR;
    if (f[cNsm].trim() === '0') end += 24 * HOUR;
    const hour = Math.floor((end - 15 * 60e3) / HOUR) * HOUR;
    hours.set(hour, (hours.get(hour) ?? 0) + Number(f[cKwh]));
  }
  const ts = [...hours.keys()].sort((a, b) => a - b);
  return { ts: Float64Array.from(ts), y: Float64Array.from(ts.map((k) => hours.get(k))) };
}

const STEEL_SPEC = { model: 'seasonal', calendar: { time_zone: 'Asia/Seoul', holidays: FIXTURE.holidays } };

/** Hourly load with a daily shape, a temperature effect and noise. */
function synthetic(days = 28, tempEffect = 0) {
  const n = days * 24;
  const T0 = Date.parse('2025-01-06T00:00:00Z');
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
  const ts = new Float64Array(n);
  const y = new Float64Array(n);
  const temp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ts[i] = T0 + i * HOUR;
    temp[i] = 10 + 8 * Math.sin((2 * Math.PI * i) / (24 * 9)) + rand();
    y[i] = 200 + 80 * Math.sin((2 * Math.PI * (i % 24)) / 24) + tempEffect * temp[i] + 4 * rand();
  }
  return { ts, y, temp };
}


test('the steel plant week-ahead forecast equals enms-core', async () => {
  const { ts, y } = steelHourly();
  const n = FIXTURE.train_len;
  const h = FIXTURE.horizon;
  assert.equal(ts.length, n + h);
  const m = await enms.fitForecaster(ts.subarray(0, n), y.subarray(0, n), null, STEEL_SPEC, h);
  assert.ok(m instanceof enms.Forecaster);
  assert.equal(m.description, FIXTURE.description);
  assert.deepStrictEqual(m.regressorNames, []);
  assert.equal(m.horizon, h);
  const f = await m.forecast();
  const ref = FIXTURE.forecast;
  assert.deepStrictEqual([...f.ts], ref.timestamps.map((us) => us / 1000));
  assert.equal(f.ts[0], ts[n]);
  f.mean.forEach((v, i) => close(`mean[${i}]`, v, ref.mean[i]));
  assert.deepStrictEqual(f.intervals.map((i) => i.level), [0.8, 0.95]);
  f.intervals.forEach((iv, k) => {
    iv.lower.forEach((v, i) => close(`lower ${iv.level}[${i}]`, v, ref.intervals[k].lower[i]));
    iv.upper.forEach((v, i) => close(`upper ${iv.level}[${i}]`, v, ref.intervals[k].upper[i]));
  });
  // the Sync version gives the same
  const s = enms.fitForecasterSync(ts.subarray(0, n), y.subarray(0, n), undefined, STEEL_SPEC, h).forecastSync();
  assert.deepStrictEqual([...s.mean], [...f.mean]);
});

test('the steel plant backtest equals enms-core', async () => {
  const { ts, y } = steelHourly();
  const ref = FIXTURE.backtest;
  const { ticks, value: bt } = await ticksDuring(
    enms.backtest(ts, y, null, STEEL_SPEC, { horizon: ref.options.horizon, windows: ref.options.windows }),
  );
  assert.ok(ticks > 0, 'the backtest ran off the main thread');
  assert.equal(bt.windows.length, ref.windows.length);
  bt.windows.forEach((w, k) => {
    const r = ref.windows[k];
    assert.equal(w.origin, r.origin / 1000);
    assert.equal(w.trainLen, r.train_len);
    assert.equal(w.model, r.model);
    for (const key of ['mae', 'rmse', 'mase', 'bias']) close(`window ${k} ${key}`, w.accuracy[key], r.accuracy[key]);
    assert.equal(w.forecast.mean.length, ref.options.horizon);
  });
  for (const key of ['mae', 'rmse', 'mase', 'bias']) close(`overall ${key}`, bt.overall[key], ref.overall[key]);
  assert.equal(bt.overall.n, ref.overall.n);
  assert.deepStrictEqual(bt.overall.coverage, ref.overall.coverage);
});

test('intervals are ordered and widen with the level', () => {
  const { ts, y } = synthetic();
  const f = enms.fitForecasterSync(ts, y, null, { model: 'seasonal' }, 48).forecastSync(null, null, [0.5, 0.8, 0.95, 0.99]);
  assert.equal(f.mean.length, 48);
  for (let i = 0; i < 48; i++) {
    const lo = f.intervals.map((iv) => iv.lower[i]).reverse();
    const hi = f.intervals.map((iv) => iv.upper[i]);
    const row = [...lo, f.mean[i], ...hi];
    for (let k = 1; k < row.length; k++) assert.ok(row[k] > row[k - 1], `step ${i}: ${row}`);
  }
  // the default levels are enms-core's
  assert.deepStrictEqual(enms.fitForecasterSync(ts, y, null, { model: 'seasonal' }, 2).forecastSync().intervals.map((i) => i.level), [0.8, 0.95]);
});

test('regressors in the fit and in the horizon', async () => {
  const { ts, y, temp } = synthetic(28, 6);
  const n = ts.length - 24;
  const m = await enms.fitForecaster(ts.subarray(0, n), y.subarray(0, n), { temp_c: temp.subarray(0, n) }, { model: 'seasonal', ar_order: 0 }, 24);
  assert.deepStrictEqual(m.regressorNames, ['temp_c']);
  const f = await m.forecast(24, { temp_c: temp.subarray(n) });
  let mae = 0;
  for (let i = 0; i < 24; i++) mae += Math.abs(f.mean[i] - y[n + i]) / 24;
  assert.ok(mae < 10, `MAE ${mae}`);
  // without the regressor's future values: a rejected Promise naming it
  await assert.rejects(m.forecast(24), (e) => e.code.startsWith('ENMS_') && /temp_c/.test(e.message));
});

test('the automatic ARIMA decides the same on one thread and on all cores (n_jobs in the spec)', async () => {
  const { ts, y } = synthetic(14);
  const one = enms.fitForecasterSync(ts, y, null, { model: 'auto_arima', season_length: 24, n_jobs: 1 }, 6);
  const all = await enms.fitForecaster(ts, y, null, { model: 'auto_arima', season_length: 24 }, 6);
  assert.match(one.description, /^ARIMA/);
  assert.equal(one.description, all.description);
  assert.deepStrictEqual(one.forecastSync(null, null, [0.9]), all.forecastSync(null, null, [0.9]));
});

test('saved and loaded, the model forecasts the same', () => {
  const { ts, y } = synthetic();
  const m = enms.fitForecasterSync(ts, y, null, { model: 'seasonal', calendar: { time_zone: 'Europe/Berlin', holidays: ['2025-01-06'] } }, 24);
  const text = JSON.stringify(m);
  assert.equal(JSON.parse(text).model, 'seasonal');
  const back = enms.Forecaster.fromJSON(text);
  assert.equal(back.description, m.description);
  assert.equal(back.horizon, null);
  assert.deepStrictEqual([...back.forecastSync(24).mean], [...m.forecastSync().mean]);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(back)), JSON.parse(text));
  throwsEnms(() => back.forecastSync(), 'ENMS_INVALID_PARAMETER', 'horizon');
  throwsEnms(() => enms.Forecaster.fromJSON('{"model":"seasonal"}'), 'ENMS_INVALID_PARAMETER', 'json');
  // a saved model edited into contradiction is refused by name, not misread
  const broken = JSON.parse(text);
  broken.coef.pop();
  throwsEnms(() => enms.Forecaster.fromJSON(JSON.stringify(broken)), 'ENMS_INVALID_PARAMETER', 'model');
});

test('bad input throws enms Errors naming the field', async () => {
  const { ts, y, temp } = synthetic(14);
  const fit = (t, v, r, spec, h) => () => enms.fitForecasterSync(t, v, r, spec, h);
  // horizon of zero
  const m = enms.fitForecasterSync(ts, y, null, null, 24);
  throwsEnms(() => m.forecastSync(0), 'ENMS_INVALID_PARAMETER', 'horizon');
  // a negative horizon is refused as such (not wrapped to 4294967295 steps), a huge one too
  throwsEnms(() => m.forecastSync(-1), 'ENMS_INVALID_PARAMETER', 'horizon');
  assert.throws(() => m.forecastSync(-1), /got -1/);
  throwsEnms(fit(ts, y, null, null, -24), 'ENMS_INVALID_PARAMETER', 'horizon');
  throwsEnms(() => m.forecastSync(2 ** 32), 'ENMS_INVALID_PARAMETER', 'horizon');
  throwsEnms(() => enms.backtestSync(ts, y, null, null, { horizon: -1 }), 'ENMS_INVALID_PARAMETER', 'horizon');
  // a malformed argument throws at the call, also from the Promise API (data errors reject)
  throwsEnms(() => m.forecast(-1), 'ENMS_INVALID_PARAMETER', 'horizon');
  throwsEnms(() => m.forecastSync(2, null, [1.5]), 'ENMS_INVALID_PARAMETER', 'levels');
  // too short a series
  assert.throws(fit(ts.subarray(0, 1), y.subarray(0, 1), null, null, 24), (e) => e.field === 'ts' && e.code.startsWith('ENMS_'));
  // NaN in a regressor
  const bad = Float64Array.from(temp);
  bad[5] = NaN;
  throwsEnms(fit(ts, y, { temp_c: bad }, null, 24), 'ENMS_NON_FINITE', 'temp_c');
  // an irregular grid
  const gap = Float64Array.from([...ts.subarray(0, 10), ...ts.subarray(11)]);
  throwsEnms(fit(gap, y.subarray(1), null, null, 24), 'ENMS_INVALID_PARAMETER', 'ts');
  // an option the model does not have, a model that does not exist, a bad time zone
  throwsEnms(fit(ts, y, null, { model: 'seasonal', dayly_order: 3 }, 24), 'ENMS_INVALID_PARAMETER', 'dayly_order');
  throwsEnms(fit(ts, y, null, { model: 'seasonal', calendar: { timezone: 'UTC' } }, 24), 'ENMS_INVALID_PARAMETER', 'calendar.timezone');
  throwsEnms(fit(ts, y, null, { model: 'prophet' }, 24), 'ENMS_INVALID_PARAMETER', 'model');
  // values napi's own conversion would crash the process on: refused as bad options
  throwsEnms(fit(ts, y, null, { model: 'auto', x: 1n }, 24), 'ENMS_INVALID_PARAMETER', 'x');
  const cyclic = { model: 'seasonal' };
  cyclic.self = cyclic;
  throwsEnms(fit(ts, y, null, cyclic, 24), 'ENMS_INVALID_PARAMETER', 'self');
  throwsEnms(() => enms.backtestSync(ts, y, null, { model: 'auto', x: 1n }), 'ENMS_INVALID_PARAMETER', 'x');
  throwsEnms(fit(ts, y, null, { model: 'seasonal', calendar: { time_zone: 'Mars/Olympus' } }, 24), 'ENMS_UNKNOWN_TIME_ZONE');
  // lengths, windows
  throwsEnms(fit(ts, y.subarray(1), null, null, 24), 'ENMS_LENGTH_MISMATCH', 'y');
  throwsEnms(() => enms.backtestSync(ts, y, null, null, { horizon: 24, windows: 100 }), 'ENMS_INVALID_PARAMETER', 'windows');
  await assert.rejects(enms.fitForecaster(ts, y, { temp_c: bad }, null, 24), (e) => e.code === 'ENMS_NON_FINITE' && e.field === 'temp_c');
});

test('peak of a local day and the hours at risk', () => {
  const { ts, y } = synthetic();
  const f = enms.fitForecasterSync(ts, y, null, { model: 'seasonal' }, 48).forecastSync();
  const day = enms.localDay('2025-02-03', 'Europe/Berlin');
  assert.deepStrictEqual(day, { start: Date.parse('2025-02-02T23:00:00Z'), end: Date.parse('2025-02-03T23:00:00Z') });
  const dst = enms.localDay('2025-03-30', 'Europe/Berlin');
  assert.equal(dst.end - dst.start, 23 * HOUR);
  const p = enms.peakForecast(f, day.start, day.end);
  let best = -Infinity;
  let at = 0;
  f.ts.forEach((t, i) => {
    if (t >= day.start && t < day.end && f.mean[i] > best) [best, at] = [f.mean[i], i];
  });
  assert.equal(p.peak, best);
  assert.equal(p.peakAt, f.ts[at]);
  assert.equal(p.peakUpper, f.intervals[1].upper[at]);
  assert.equal(p.threshold, undefined);
  assert.deepStrictEqual(p.atRisk, []);
  const q = enms.peakForecast(f, '2025-02-02T23:00:00Z', '2025-02-03T23:00:00Z', { threshold: best - 10, level: 0.8, minProbability: 0.2 });
  assert.equal(q.peak, best);
  assert.ok(q.atRisk.length >= 1 && q.atRisk.every((r) => r.probability >= 0.2));
  assert.ok(q.atRisk.some((r) => r.ts === p.peakAt));
  // plain arrays work as well (a forecast that went through JSON)
  const plain = JSON.parse(JSON.stringify({ ts: [...f.ts], mean: [...f.mean], intervals: f.intervals.map((i) => ({ level: i.level, lower: [...i.lower], upper: [...i.upper] })) }));
  assert.equal(enms.peakForecast(plain, day.start, day.end).peak, best);
  throwsEnms(() => enms.peakForecast(f, day.start, day.end, { level: 0.5 }), 'ENMS_INVALID_PARAMETER', 'level');
  throwsEnms(() => enms.localDay('2025-13-01', 'UTC'), 'ENMS_PARSE', 'date');
  throwsEnms(() => enms.localDay('2025-01-01', 'Nowhere/City'), 'ENMS_UNKNOWN_TIME_ZONE');
});

test('the drift monitor flags a model whose errors grew', () => {
  const n = 24 * 8;
  const T0 = Date.parse('2025-03-01T00:00:00Z');
  const ts = Array.from({ length: n }, (_, i) => T0 + i * HOUR);
  const actual = ts.map((_, i) => 100 + 5 * Math.sin(i));
  const predicted = actual.map((a, i) => a + 4 * Math.cos(3 * i) + (i >= n - 72 ? 30 : 0));
  const r = enms.monitorDrift(ts, actual, predicted, 4.0);
  assert.equal(r.retrain, true);
  assert.deepStrictEqual(r.windows.map((w) => w.drifted), [false, false, false, false, false, true, true, true]);
  assert.equal(r.since, T0 + 5 * 24 * HOUR);
  assert.equal(typeof r.reason, 'string');
  let mae = 0;
  for (let i = 0; i < 24; i++) mae += Math.abs(predicted[i] - actual[i]) / 24;
  close('mae', r.windows[0].mae, mae, 1e-12);
  close('ratio', r.windows[0].ratio, mae / 4, 1e-12);
  const ok = enms.monitorDrift(ts, actual, actual.map((a, i) => a + 4 * Math.cos(3 * i)), 4.0, { window: 48, patience: 2 });
  assert.equal(ok.retrain, false);
  assert.equal(ok.windows.length, 4);
  throwsEnms(() => enms.monitorDrift(ts, actual, predicted, 0), 'ENMS_INVALID_PARAMETER', 'reference_mae');
  throwsEnms(() => enms.monitorDrift(ts, actual.slice(1), predicted, 4), 'ENMS_LENGTH_MISMATCH', 'actual');
});
