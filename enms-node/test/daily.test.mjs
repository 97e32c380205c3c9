// The daily model by season and day type from Node (`fitDaily`, `DailyModel`): the core's answers
// on eemeter's sample meters and on the core test's plants with known physics, options in
// camelCase read strictly, the model saved and loaded, work off the main thread, and bad input as
// Errors with `code` and `field`, never a crash.
//
// Reference values: the enms `fit_daily` columns of the table "Daily models against eemeter" in
// docs/benchmarks.md (enms-core through benches/src/bin/daily_side_by_side.rs, run by
// benches/eemeter_changepoint.py on the fixture enms-core/tests/fixtures/eemeter_daily.json, which
// that script wrote with eemeter 4.1.1), and the assertions of enms-core/tests/daily.rs, whose xorshift data
// generator `year` is ported here to the same stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { enms, throwsEnms, ticksDuring } from './helpers.mjs';

const FIXTURE = JSON.parse(
  readFileSync(new URL('../../enms-core/tests/fixtures/eemeter_daily.json', import.meta.url), 'utf8'),
);

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** In-sample CV(RMSE) with `n` in the denominator, as the comparison script scores every model. */
function cvN(y, p) {
  let sse = 0;
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    sse += (y[i] - p[i]) ** 2;
    sum += y[i];
  }
  return (100 * Math.sqrt(sse / y.length)) / (sum / y.length);
}

/**
 * enms-core/tests/daily.rs `year`: a year of daily temperatures (seasonal with weather noise) and
 * a noise from the same xorshift64 generator, from `startMs` (UTC midnight) on.
 */
function year(seed, startMs) {
  const MASK = (1n << 64n) - 1n;
  let s = BigInt(seed);
  const uniform = () => {
    s ^= (s << 13n) & MASK;
    s ^= s >> 7n;
    s ^= (s << 17n) & MASK;
    return Number(s >> 11n) / 2 ** 53;
  };
  const ts = new Float64Array(365);
  const temp = new Float64Array(365);
  const noise = new Float64Array(365);
  for (let d = 0; d < 365; d++) {
    ts[d] = startMs + d * DAY_MS;
    const season = 11 - 12 * Math.cos((d / 365) * 2 * Math.PI);
    temp[d] = season + 6 * (uniform() - 0.5);
    noise[d] = 4 * (uniform() + uniform() + uniform() - 1.5);
  }
  return { ts, temp, noise };
}

const isWeekend = (ms) => [0, 6].includes(new Date(ms).getUTCDay());

/** The core test's plant: weekdays 300 + 12 per degree below 15 °C, weekends a flat 80. */
function weekdayWeekendPlant() {
  const { ts, temp, noise } = year(7, Date.UTC(2025, 0, 1));
  const energy = ts.map((t, i) => (isWeekend(t) ? 80 + noise[i] : 300 + 12 * Math.max(15 - temp[i], 0) + noise[i]));
  return { ts, temp, energy };
}

// ---------------------------------------------------------------------------------------------
// The core's answers

// docs/benchmarks.md, "Daily models against eemeter": enms `fit_daily` segments, shape and CV %
const CORE = {
  'il-electricity-cdd-hdd-daily': { segments: ['fw-su_sh_wi'], kinds: ['four_p'], cv: 24.974 },
  'il-electricity-cdd-only-daily': { segments: ['fw-su_sh_wi'], kinds: ['cooling_3p'], cv: 33.186 },
  'il-gas-hdd-only-daily': { segments: ['fw-su_sh_wi'], kinds: ['heating_3p'], cv: 29.793 },
  'il-gas-intercept-only-daily': { segments: ['fw-su_sh_wi'], kinds: ['four_p'], cv: 19.013 },
};

test("eemeter's sample meters: the core's segments, shapes and CV(RMSE), in every time form", () => {
  assert.equal(FIXTURE.samples.length, 4);
  FIXTURE.samples.forEach((s, k) => {
    const ms = s.dates.map((d) => Date.parse(`${d}T00:00:00Z`));
    // the start of each day as ms, microseconds or RFC 3339 text: one model
    const time = [
      Float64Array.from(ms),
      BigInt64Array.from(ms, (t) => BigInt(t) * 1000n),
      s.dates.map((d) => `${d}T00:00:00Z`),
      ms,
    ][k];
    const m = enms.fitDailySync(time, s.temp_c, Float64Array.from(s.energy));
    const want = CORE[s.name];
    assert.deepEqual(
      m.segments.map((x) => x.name),
      want.segments,
      s.name,
    );
    assert.deepEqual(
      m.segments.map((x) => x.kind),
      want.kinds,
      s.name,
    );
    const pred = m.predictSync(time, s.temp_c);
    assert.ok(pred instanceof Float64Array);
    const ours = cvN(s.energy, pred);
    assert.ok(Math.abs(ours - want.cv) <= 0.0005, `${s.name}: ${ours} vs the core's ${want.cv}`);
    // what enms-core/tests/daily.rs asserts: no worse than eemeter but on the one known gap
    const gap = s.name === 'il-electricity-cdd-only-daily' ? 0.25 : 1e-9;
    assert.ok(ours <= s.eemeter_cv_rmse_pct + gap, `${s.name}: ${ours} vs eemeter ${s.eemeter_cv_rmse_pct}`);
    assert.equal(m.n, 365);
    assert.ok(Number.isFinite(m.cvRmsePct) && m.cvRmsePct >= ours);
    assert.ok(Math.abs(m.nmbePct) < 1e-6, `${m.nmbePct}`);
    assert.equal(m.nParams, m.segments.reduce((a, x) => a + x.nParams, 0));
    assert.equal(m.segments[0].n, 365);
    assert.deepEqual(m.training, { start: ms[0], end: ms[364] + DAY_MS });
    // the model is a value: saved and loaded, it predicts the same
    const back = enms.DailyModel.fromJSON(JSON.stringify(m));
    assert.deepEqual(back.toJSON(), m.toJSON());
    assert.deepEqual(back.predictSync(time, s.temp_c), pred);
  });
});

test('a weekday and weekend plant is split and its physics recovered, as in the core test', async () => {
  const { ts, temp, energy } = weekdayWeekendPlant();
  const m = enms.fitDailySync(ts, temp, energy);
  assert.deepEqual(
    m.segments.map((s) => s.name),
    ['wd-su_sh_wi', 'we-su_sh_wi'],
    JSON.stringify(m.candidates.slice(0, 3)),
  );
  const [wd, we] = m.segments;
  assert.equal(wd.dayType, 'weekday');
  assert.deepEqual(wd.seasons, ['summer', 'shoulder', 'winter']);
  assert.equal(wd.kind, 'heating_3p');
  assert.equal(wd.cooling, undefined);
  assert.ok(Math.abs(wd.heating.balanceC - 15) <= 1, JSON.stringify(wd));
  assert.ok(Math.abs(wd.heating.slope - 12) < 1, JSON.stringify(wd));
  assert.ok(wd.heating.smoothingC <= 2, JSON.stringify(wd));
  assert.ok(Math.abs(wd.intercept - 300) < 5, JSON.stringify(wd));
  assert.equal(we.dayType, 'weekend');
  assert.ok(Math.abs(we.intercept - 80) < 2, JSON.stringify(we));
  assert.equal(wd.n + we.n, 365);
  assert.ok(m.rSquared > 0.99, `${m.rSquared}`);
  // the statistics over the segments
  assert.equal(m.candidates[0].criterion, m.criterion);
  assert.deepEqual(m.candidates[0].segments, ['wd-su_sh_wi', 'we-su_sh_wi']);
  assert.ok(m.candidates.every((c) => c.criterion >= m.criterion));
  assert.ok(m.candidates.some((c) => c.segments.join() === 'fw-su_sh_wi'));
  assert.ok(Math.abs(m.candidates[0].sse - (wd.sse + we.sse)) <= 1e-6 * m.candidates[0].sse);
  // a Monday at 0 °C and a Sunday at 0 °C
  const monday = Date.UTC(2026, 2, 2);
  const sunday = Date.UTC(2026, 2, 1);
  const p = m.predictSync([monday, sunday], [0, 0]);
  assert.ok(Math.abs(p[0] - 480) < 10, `${p[0]}`);
  assert.ok(Math.abs(p[1] - 80) < 3, `${p[1]}`);
  assert.equal(m.segmentOf(sunday).name, 'we-su_sh_wi');
  assert.equal(m.segmentOf('2026-03-02T00:00:00Z').name, 'wd-su_sh_wi');
  assert.deepEqual(m.segmentOf(monday), wd);

  // the Promise versions: off the main thread, the same model and predictions
  const { ticks, value } = await ticksDuring(enms.fitDaily(ts, temp, energy));
  assert.ok(ticks > 0, 'the event loop turned during the fit');
  assert.ok(value instanceof enms.DailyModel);
  assert.deepEqual(value.toJSON(), m.toJSON());
  assert.deepEqual(await value.predict([monday, sunday], [0, 0]), p);
});

test('a curved heating load is smoothed and kept in one segment; smoothingC reaches the core', () => {
  const { ts, temp, noise } = year(11, Date.UTC(2024, 2, 1));
  // a load that bends in over about 5 °C below 18 °C: h(x) = x - 5 (1 - e^(-x/5))
  const energy = temp.map((t, i) => {
    const x = Math.max(18 - t, 0);
    return 100 + 10 * (x - 5 * (1 - Math.exp(-x / 5))) + noise[i];
  });
  const m = enms.fitDailySync(ts, temp, energy);
  assert.equal(m.segments.length, 1, JSON.stringify(m.segments));
  const [s] = m.segments;
  assert.equal(s.kind, 'heating_3p');
  assert.ok(s.heating.smoothingC >= 2 && s.heating.smoothingC <= 8, JSON.stringify(s));
  assert.ok(Math.abs(s.heating.balanceC - 18) <= 1.5, JSON.stringify(s));
  assert.ok(Math.abs(s.heating.slope - 10) < 1.5, JSON.stringify(s));
  // the same data without smoothing fit worse
  const plain = enms.fitDailySync(ts, temp, energy, { smoothingC: [0] });
  assert.ok(plain.segments.every((x) => (x.heating?.smoothingC ?? 0) === 0));
  assert.ok(plain.segments.reduce((a, x) => a + x.sse, 0) > s.sse);
});

test('local dates in the time zone decide the day type; camelCase options reach the core', () => {
  // 23:30 UTC on a Friday is already Saturday in Berlin
  const fridayLate = Date.UTC(2025, 5, 6, 23, 30);
  const { ts, temp, noise } = year(3, Date.UTC(2025, 0, 1));
  // days that start at local midnight in Berlin
  const local = Float64Array.from(ts, (t) => enms.localDay(new Date(t).toISOString().slice(0, 10), 'Europe/Berlin').start);
  const energy = noise.map((e) => 50 + e);
  const options = { timezone: 'Europe/Berlin' };
  const m = enms.fitDailySync(local, temp, energy, options);
  assert.equal(m.training.start, local[0]);
  // the end of the last local day (2025-12-31 in Berlin) is 23:00 UTC
  assert.equal(m.training.end, Date.UTC(2025, 11, 31, 23));
  // without a penalty the weekday/weekend split always lowers the SSE, so it is chosen
  const forced = { ...options, splitSeasons: false, splitCriterion: { penalisedBic: { multiplier: 0, power: 1 } } };
  const f = enms.fitDailySync(local, temp, energy, forced);
  assert.equal(f.segments.length, 2, JSON.stringify(f.segments));
  assert.equal(f.segmentOf(fridayLate).dayType, 'weekend');
  // 22:30 in Berlin (summer time) is still Friday
  assert.equal(f.segmentOf(fridayLate - 3 * HOUR_MS).dayType, 'weekday');
  // every option, defaults filled in, in the form fitDaily reads: it fits the same model again
  assert.deepEqual(f.options, {
    timezone: 'Europe/Berlin',
    seasons: ['winter', 'winter', 'shoulder', 'shoulder', 'shoulder', 'summer', 'summer', 'summer', 'summer', 'shoulder', 'winter', 'winter'],
    weekend: [false, false, false, false, false, true, true],
    splitSeasons: false,
    splitWeekdayWeekend: true,
    minSegmentDays: 30,
    minDaysBeyond: 6,
    stepC: 0.5,
    smoothingC: [0, 1, 2, 3, 5, 8, 12, 20, 30],
    kinds: ['mean', 'heating_3p', 'cooling_3p', 'four_p', 'five_p'],
    splitCriterion: { penalisedBic: { multiplier: 0, power: 1 } },
    shapeCriterion: 'adjusted_r2',
  });
  assert.deepEqual(enms.fitDailySync(local, temp, energy, f.options).toJSON(), f.toJSON());
  assert.deepEqual(enms.fitDailySync(local, temp, energy).options.splitCriterion, {
    penalisedBic: { multiplier: 0.24, power: 2.061 },
  });
  // the other options, as the Python face's test gives them
  const o = enms.fitDailySync(local, temp, energy, {
    seasons: [...Array(3).fill('winter'), ...Array(3).fill('shoulder'), ...Array(3).fill('summer'), ...Array(3).fill('shoulder')],
    weekend: [false, false, false, false, true, true, true],
    smoothingC: Float64Array.of(0, 2),
    kinds: ['mean', 'heating_3p'],
    splitCriterion: 'bic',
    shapeCriterion: 'bic',
    stepC: 1,
    minSegmentDays: 20,
    minDaysBeyond: 8,
    splitWeekdayWeekend: false,
    stepc: undefined, // an absent property is no option
  });
  assert.ok(o.segments.every((s) => ['mean', 'heating_3p'].includes(s.kind)));
  assert.ok(o.segments.every((s) => s.dayType === 'all'));
  assert.deepEqual(o.options.smoothingC, [0, 2]);
  assert.equal(o.options.splitCriterion, 'bic');
  assert.equal(o.options.minSegmentDays, 20);
  assert.equal(o.toJSON().options.min_days_beyond, 8);
  // null or no options: the core's defaults
  assert.deepEqual(enms.fitDailySync(local, temp, energy, null).toJSON(), enms.fitDailySync(local, temp, energy).toJSON());
});

test('saved and loaded: the core serde form with its format version', () => {
  const { ts, temp, energy } = weekdayWeekendPlant();
  const m = enms.fitDailySync(ts, temp, energy);
  const json = m.toJSON();
  assert.equal(json.format_version, 1);
  assert.equal(m.formatVersion, 1);
  assert.equal(json.segments[0].day_type, 'weekday');
  assert.equal(json.options.timezone, 'UTC');
  const text = JSON.stringify(m);
  const back = enms.DailyModel.fromJSON(text);
  assert.equal(JSON.stringify(back), text);
  for (const g of ['segments', 'candidates', 'training', 'options', 'n', 'nParams', 'rSquared', 'cvRmsePct', 'nmbePct', 'criterion']) {
    assert.deepEqual(back[g], m[g], g);
  }
  assert.deepEqual(back.predictSync(ts, temp), m.predictSync(ts, temp));
  assert.deepEqual(back.segmentOf(ts[5]), m.segmentOf(ts[5]));
});

// ---------------------------------------------------------------------------------------------
// Bad input

test('bad columns: an Error with code and field, never a crash', async () => {
  const { ts, temp, energy } = weekdayWeekendPlant();
  const nan = Float64Array.from(temp);
  nan[17] = NaN;
  throwsEnms(() => enms.fitDailySync(ts, nan, energy), 'ENMS_NON_FINITE', 'temp_c', /index 17/);
  await assert.rejects(enms.fitDaily(ts, nan, energy), { code: 'ENMS_NON_FINITE', field: 'temp_c' });
  const inf = Float64Array.from(energy);
  inf[3] = Infinity;
  throwsEnms(() => enms.fitDailySync(ts, temp, inf), 'ENMS_NON_FINITE', 'energy', /index 3/);
  throwsEnms(() => enms.fitDailySync(ts, temp.subarray(0, 364), energy), 'ENMS_LENGTH_MISMATCH', 'temp_c');
  throwsEnms(() => enms.fitDailySync(ts.subarray(0, 364), temp, energy), 'ENMS_LENGTH_MISMATCH', 'time');
  await assert.rejects(enms.fitDaily(ts.subarray(0, 364), temp, energy), { code: 'ENMS_LENGTH_MISMATCH', field: 'time' });
  const badTime = Float64Array.from(ts);
  badTime[9] = NaN;
  throwsEnms(() => enms.fitDailySync(badTime, temp, energy), 'ENMS_NON_FINITE', 'time', /index 9/);
  throwsEnms(() => enms.fitDailySync(['soon', ...Array.from(ts.subarray(1))], temp, energy), 'ENMS_PARSE', 'time');
  const dup = Float64Array.from(ts);
  dup[100] = dup[99] + HOUR_MS;
  throwsEnms(() => enms.fitDailySync(dup, temp, energy), 'ENMS_DUPLICATE_TIMESTAMP', 'time', /index 100/);
  const back = Float64Array.from(ts);
  [back[50], back[51]] = [back[51], back[50]];
  throwsEnms(() => enms.fitDailySync(back, temp, energy), 'ENMS_UNSORTED', 'time');
  throwsEnms(() => enms.fitDailySync([], [], []), 'ENMS_EMPTY_SERIES', 'energy');
  throwsEnms(() => enms.fitDailySync(ts.subarray(0, 10), temp.subarray(0, 10), energy.subarray(0, 10)), 'ENMS_INVALID_PARAMETER', 'energy');
  throwsEnms(() => enms.fitDailySync([1e300], [1], [1], { minSegmentDays: 2 }), 'ENMS_TIMESTAMP_OUT_OF_RANGE', null);
  // huge energies overflow the sums: an answer or an error, no crash
  try {
    enms.fitDailySync(ts, temp, energy.map((v) => v * 1e305));
  } catch (e) {
    assert.match(e.code, /^ENMS_/);
  }
  // columns of the wrong JS type: napi's InvalidArg
  assert.throws(() => enms.fitDailySync(ts, 'warm', energy), (e) => e instanceof Error && e.code === 'InvalidArg');

  const m = enms.fitDailySync(ts, temp, energy);
  throwsEnms(() => m.predictSync(ts.subarray(0, 2), [1]), 'ENMS_LENGTH_MISMATCH', 'temp_c');
  throwsEnms(() => m.predictSync(ts.subarray(0, 2), [1, NaN]), 'ENMS_NON_FINITE', 'temp_c', /index 1/);
  throwsEnms(() => m.predictSync([NaN], [1]), 'ENMS_NON_FINITE', 'time');
  throwsEnms(() => m.predictSync([8.64e18], [1]), 'ENMS_TIMESTAMP_OUT_OF_RANGE', null);
  throwsEnms(() => m.predictSync(BigInt64Array.of(2n ** 63n - 1n), [1]), 'ENMS_TIMESTAMP_OUT_OF_RANGE', null);
  await assert.rejects(m.predict(ts.subarray(0, 2), [1, Infinity]), { code: 'ENMS_NON_FINITE', field: 'temp_c' });
  throwsEnms(() => m.segmentOf('tomorrow'), 'ENMS_PARSE', 'time');
  throwsEnms(() => m.segmentOf(NaN), 'ENMS_NON_FINITE', 'time');
  throwsEnms(() => enms.DailyModel.fromJSON('{"format_version": 1'), 'ENMS_INVALID_PARAMETER', 'json');
  throwsEnms(() => enms.DailyModel.fromJSON('{"format_version": 1}'), 'ENMS_INVALID_PARAMETER', 'json', /missing field/);
  // a saved model whose segments miss a day type: refused when used, no crash
  const json = m.toJSON();
  json.segments = json.segments.slice(0, 1);
  const broken = enms.DailyModel.fromJSON(JSON.stringify(json));
  throwsEnms(() => broken.predictSync(ts.subarray(0, 2), [1, 2]), 'ENMS_INVALID_PARAMETER', 'segments');
  throwsEnms(() => broken.segmentOf(Date.UTC(2026, 2, 1)), 'ENMS_INVALID_PARAMETER', 'segments');
});

test('bad options: unknown ones refused by name, bad values naming the option, never a crash', async () => {
  const { ts, temp, energy } = weekdayWeekendPlant();
  const fit = (options) => () => enms.fitDailySync(ts, temp, energy, options);
  // unknown options, named as given, with the options that exist
  throwsEnms(fit({ minSegmentDay: 10 }), 'ENMS_INVALID_PARAMETER', 'minSegmentDay', /minSegmentDays/);
  throwsEnms(fit({ min_segment_days: 10 }), 'ENMS_INVALID_PARAMETER', 'min_segment_days', /minSegmentDays/);
  throwsEnms(
    fit({ splitCriterion: { penalisedBic: { multiplier: 0.2, power: 2, scale: 1 } } }),
    'ENMS_INVALID_PARAMETER',
    'splitCriterion.penalisedBic.scale',
    /multiplier, power/,
  );
  assert.throws(fit({ minSegmentDay: 10 }), (e) => e.message.includes('options has no setting `minSegmentDay`'));
  // values the core cannot use, named as the core names the option
  throwsEnms(fit({ stepC: 0 }), 'ENMS_INVALID_PARAMETER', 'step_c');
  throwsEnms(fit({ stepC: NaN }), 'ENMS_INVALID_PARAMETER', 'step_c', /finite/);
  throwsEnms(fit({ stepC: '0.5' }), 'ENMS_INVALID_PARAMETER', 'step_c');
  throwsEnms(fit({ stepC: 1e-9 }), 'ENMS_INVALID_PARAMETER', 'step_c');
  throwsEnms(fit({ smoothingC: [0, -1] }), 'ENMS_INVALID_PARAMETER', 'smoothing_c');
  throwsEnms(fit({ smoothingC: [0, Infinity] }), 'ENMS_INVALID_PARAMETER', 'smoothing_c[1]');
  throwsEnms(fit({ minSegmentDays: -1 }), 'ENMS_INVALID_PARAMETER', 'min_segment_days');
  throwsEnms(fit({ minSegmentDays: 2.5 }), 'ENMS_INVALID_PARAMETER', 'min_segment_days');
  throwsEnms(fit({ minSegmentDays: 0 }), 'ENMS_INVALID_PARAMETER', 'min_segment_days');
  throwsEnms(fit({ minSegmentDays: 30n }), 'ENMS_INVALID_PARAMETER', 'min_segment_days', /BigInt/);
  throwsEnms(fit({ seasons: Array(11).fill('summer') }), 'ENMS_INVALID_PARAMETER', 'seasons', /length/);
  throwsEnms(fit({ seasons: Array(12).fill('spring') }), 'ENMS_INVALID_PARAMETER', 'seasons', /spring/);
  throwsEnms(fit({ weekend: [true] }), 'ENMS_INVALID_PARAMETER', 'weekend');
  throwsEnms(fit({ kinds: ['six_p'] }), 'ENMS_INVALID_PARAMETER', 'kinds', /six_p/);
  throwsEnms(fit({ kinds: [] }), 'ENMS_INVALID_PARAMETER', 'kinds');
  throwsEnms(fit({ splitCriterion: 'aic' }), 'ENMS_INVALID_PARAMETER', 'split_criterion');
  throwsEnms(fit({ splitCriterion: { penalisedBic: { multiplier: -1, power: 2 } } }), 'ENMS_INVALID_PARAMETER', 'split_criterion');
  throwsEnms(fit({ splitCriterion: { penalised_bic: { multiplier: 1, power: 2 } } }), 'ENMS_INVALID_PARAMETER', 'split_criterion');
  throwsEnms(fit({ shapeCriterion: 'aic' }), 'ENMS_INVALID_PARAMETER', 'shape_criterion');
  throwsEnms(fit({ splitSeasons: 'yes' }), 'ENMS_INVALID_PARAMETER', 'split_seasons');
  throwsEnms(fit({ timezone: 'Mars/Olympus' }), 'ENMS_UNKNOWN_TIME_ZONE', null, /Mars/);
  await assert.rejects(enms.fitDaily(ts, temp, energy, { timezone: 'Mars/Olympus' }), { code: 'ENMS_UNKNOWN_TIME_ZONE' });
  // options that are no JSON-like object
  throwsEnms(fit('fast'), 'ENMS_INVALID_PARAMETER', 'options', /an object of options, got a string/);
  throwsEnms(fit(Array(12).fill(null)), 'ENMS_INVALID_PARAMETER', 'options', /got an array/);
  throwsEnms(fit(() => 1), 'ENMS_INVALID_PARAMETER', 'options');
  throwsEnms(fit({ stepC: Symbol('x') }), 'ENMS_INVALID_PARAMETER', 'step_c');
  const cyclic = { stepC: 0.5 };
  cyclic.self = cyclic;
  throwsEnms(fit(cyclic), 'ENMS_INVALID_PARAMETER', 'self', /cyclic/);
  const deep = { kinds: [] };
  for (let i = 0; i < 40; i++) deep.kinds = [deep.kinds];
  assert.throws(fit(deep), (e) => e.code === 'ENMS_INVALID_PARAMETER' && e.field.startsWith('kinds'));
  throwsEnms(fit({ smoothingC: new Array(2 ** 24) }), 'ENMS_INVALID_PARAMETER', 'smoothing_c', /16777216 elements/);
  // the Promise version throws the options' errors at once, as every function of the package does
  throwsEnms(() => enms.fitDaily(ts, temp, energy, { minSegmentDay: 10 }), 'ENMS_INVALID_PARAMETER', 'minSegmentDay');
});

test('savings over a reporting period are found within their uncertainty (the core test\'s plant)', async () => {
  // enms-core/tests/daily.rs `injected_savings_are_found_within_their_uncertainty`, same streams
  const plant = (temp, noise) => temp.map((t, i) => 300 + 12 * Math.max(15 - t, 0) + noise[i]);
  const y0 = year(3, Date.UTC(2024, 0, 1));
  const m = enms.fitDailySync(y0.ts, y0.temp, plant(y0.temp, y0.noise));
  assert.ok(Math.abs(m.residAutocorrLag1) < 0.2, `${m.residAutocorrLag1}`);
  const y1 = year(4, Date.UTC(2025, 0, 1));
  const unchanged = plant(y1.temp, y1.noise);
  const actual = unchanged.map((v) => 0.95 * v);
  const truth = unchanged.reduce((a, b) => a + b, 0) - actual.reduce((a, b) => a + b, 0);
  const r = m.performanceSync(y1.ts, y1.temp, actual);
  assert.ok(r.savingsLow <= truth && truth <= r.savingsHigh, `${truth} outside [${r.savingsLow}, ${r.savingsHigh}]`);
  assert.ok(r.savingsLow > 0 && r.enpiIndex < 1 && r.baselinePassed);
  assert.deepEqual(Array.from(r.expected), Array.from(m.predictSync(y1.ts, y1.temp)));
  assert.deepEqual(await m.performance(y1.ts, y1.temp, actual), r);
  const r0 = m.performanceSync(y1.ts, y1.temp, unchanged, { confidence: 0.95 });
  assert.ok(r0.savingsLow <= 0 && 0 <= r0.savingsHigh && r0.confidence === 0.95);
  throwsEnms(() => m.performanceSync(y1.ts, y1.temp, actual.slice(1)), 'ENMS_LENGTH_MISMATCH', 'actual');
  throwsEnms(() => m.performanceSync(y1.ts.slice(1), y1.temp, actual), 'ENMS_LENGTH_MISMATCH', 'temp_c');
  throwsEnms(() => m.performanceSync(y1.ts, y1.temp, actual, { confidence: 1 }), 'ENMS_INVALID_PARAMETER', 'confidence');
});
