'use strict';
// The enms-forecast node's logic: the spec it sends is enms-core's ForecastSpec with only the
// settings given, a payload of records or columns is the same series, and the forecast it sends
// is enms' forecast of that series as plain arrays.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const enms = require('enms');
const { specOf, levelsOf, seriesOf, forecastPayload } = require('../../src/core/forecast');

const HOUR = 3600e3;
const T0 = Date.parse('2025-01-06T00:00:00Z');

function series(days = 21) {
  return Array.from({ length: days * 24 }, (_, i) => ({
    ts: T0 + i * HOUR,
    y: 100 + 40 * Math.sin((2 * Math.PI * (i % 24)) / 24) + 3 * Math.sin(i * 1.7),
    tempC: 10 + 5 * Math.sin(i / 50),
  }));
}

test('the spec holds only the settings given', () => {
  assert.deepStrictEqual(specOf({}), { model: 'auto' });
  assert.deepStrictEqual(specOf({ model: 'seasonal', timeZone: 'Europe/Berlin', holidays: '2025-12-25, 2025-12-26', options: '{"daily_order": 8}' }), {
    model: 'seasonal',
    daily_order: 8,
    calendar: { time_zone: 'Europe/Berlin', holidays: ['2025-12-25', '2025-12-26'] },
  });
  assert.deepStrictEqual(specOf({ model: 'seasonal', timeZone: '', holidays: '', options: '' }), { model: 'seasonal' });
  assert.equal(levelsOf(''), null);
  assert.deepStrictEqual(levelsOf('0.5, 0.9'), [0.5, 0.9]);
});

test('records and columns are the same series', () => {
  const rows = series(2);
  const a = seriesOf(rows, 'y', ['tempC']);
  const b = seriesOf({ ts: rows.map((r) => r.ts), y: rows.map((r) => r.y), regressors: { tempC: rows.map((r) => r.tempC) } });
  assert.deepStrictEqual(a.ts, b.ts);
  assert.deepStrictEqual(a.y, b.y);
  assert.deepStrictEqual(a.regressors, b.regressors);
  assert.throws(() => seriesOf(42), (e) => e.code === 'ENMS_INVALID_PARAMETER' && e.field === 'payload');
  // enms-rollup's rows (joined into an array) label their buckets with `start`
  const buckets = rows.map((r) => ({ machineId: 'm', start: r.ts, end: r.ts + 3600e3, energyKwh: r.y }));
  const c = seriesOf(buckets, 'energyKwh');
  assert.deepStrictEqual(c.ts, a.ts);
  assert.deepStrictEqual(c.y, a.y);
});

test('the forecast is enms\' forecast of the series', async () => {
  const rows = series();
  const spec = specOf({ model: 'seasonal', timeZone: 'Europe/Berlin' });
  const out = await forecastPayload(enms, rows, { spec, horizon: 24, levels: null, target: 'y', regressors: [] });
  const m = enms.fitForecasterSync(rows.map((r) => r.ts), rows.map((r) => r.y), null, spec, 24);
  const f = m.forecastSync(24);
  assert.equal(out.model, m.description);
  assert.deepStrictEqual(out.ts, Array.from(f.ts));
  assert.deepStrictEqual(out.mean, Array.from(f.mean));
  assert.deepStrictEqual(out.intervals.map((i) => i.level), [0.8, 0.95]);
  assert.deepStrictEqual(out.intervals[1].upper, Array.from(f.intervals[1].upper));
  assert.ok(Array.isArray(out.mean), 'plain arrays');
  await assert.rejects(
    forecastPayload(enms, rows.slice(0, 1), { spec, horizon: 24, levels: null, target: 'y', regressors: [] }),
    (e) => e.code.startsWith('ENMS_') && e.field === 'ts',
  );
});
