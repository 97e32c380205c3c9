// Energy baselines from Node: OLS equal to statsmodels, a baseline on data with known physics,
// savings found within their uncertainty, models saved and loaded, gates that fail and block use,
// and bad input as Errors with `code` and `field`.
//
// Reference values: enms-core/tests/fixtures/ols_statsmodels.json, written by
// scripts/reference/ols_reference.py (statsmodels OLS) from Longley's data (NIST StRD) and the
// steel plant data in ../shared/data/steel_industry_2018.csv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { enms, throwsEnms, ticksDuring } from './helpers.mjs';

const FIXTURE = JSON.parse(
  readFileSync(new URL('../../enms-core/tests/fixtures/ols_statsmodels.json', import.meta.url), 'utf8'),
);
const STEEL_CSV = new URL('../../../shared/data/steel_industry_2018.csv', import.meta.url);

const REL = 1e-9;

function close(what, ours, theirs, rel = REL) {
  // statsmodels prints 0 for p-values below the double range
  const ok = theirs === 0 ? Math.abs(ours) < 1e-290 : Math.abs(ours - theirs) <= rel * Math.abs(theirs);
  assert.ok(ok, `${what}: enms ${ours} statsmodels ${theirs}`);
}

/** Compares a fit's statistics with statsmodels'; `names` maps our column names to theirs. */
function compareWithStatsmodels(fit, ref, names = (n) => n) {
  assert.equal(fit.coefficients.length, ref.names.length);
  for (const c of fit.coefficients) {
    const k = ref.names.indexOf(names(c.name));
    assert.ok(k >= 0, `column ${c.name} in the reference`);
    close(`${c.name} coef`, c.estimate, ref.params[k]);
    close(`${c.name} se`, c.stdError, ref.bse[k]);
    close(`${c.name} t`, c.t, ref.tvalues[k]);
    close(`${c.name} p`, c.pValue, ref.pvalues[k]);
    close(`${c.name} ci low`, c.ciLow, ref.ci_low[k]);
    close(`${c.name} ci high`, c.ciHigh, ref.ci_high[k]);
    if (k === 0) assert.equal(c.vif, undefined);
    else close(`${c.name} vif`, c.vif, ref.vif[k - 1]);
  }
  close('R2', fit.rSquared, ref.rsquared);
  close('adj R2', fit.adjRSquared, ref.rsquared_adj);
  close('F', fit.fStatistic, ref.fvalue);
  close('F p', fit.fPValue, ref.f_pvalue);
  close('sigma', fit.residualStdError, ref.resid_std_err);
  close('llf', fit.logLikelihood, ref.llf);
  close('aic', fit.aic, ref.aic);
  close('bic', fit.bic, ref.bic);
  close('dw', fit.durbinWatson, ref.durbin_watson);
}

function comparePredictions(pred, ref) {
  for (const [ours, key] of [
    [pred.mean, 'predict_mean'],
    [pred.piLow, 'predict_obs_low'],
    [pred.piHigh, 'predict_obs_high'],
    [pred.ciLow, 'predict_mean_low'],
    [pred.ciHigh, 'predict_mean_high'],
  ]) {
    assert.equal(ours.length, ref[key].length);
    ref[key].forEach((v, i) => close(`${key}[${i}]`, ours[i], v));
  }
}

const pick = (col, rows) => rows.map((i) => col[i]);

test('ols on Longley equals statsmodels to 1e-9', async () => {
  const ref = FIXTURE.longley;
  const drivers = Object.fromEntries(ref.names.slice(1).map((n) => [n, Float64Array.from(ref.columns[n])]));
  const fit = enms.olsSync(ref.y, drivers);
  assert.deepEqual(
    fit.coefficients.map((c) => c.name),
    ref.names,
  );
  compareWithStatsmodels(fit, ref);
  assert.equal(fit.n, 16);
  assert.equal(fit.dfResid, 9);
  const rows = Object.fromEntries(ref.names.slice(1).map((n) => [n, pick(ref.columns[n], ref.predict_rows)]));
  comparePredictions(fit.predictSync(rows, 0.95), ref);
  comparePredictions(await fit.predict(rows, 0.95), ref);
  // the Promise version computes the same fit
  const again = await enms.ols(ref.y, drivers);
  assert.deepEqual(again.coefficients, fit.coefficients);
  // a baseline without gates is the same regression
  const b = enms.fitBaselineSync(ref.y, drivers, { gates: [] });
  compareWithStatsmodels(b, ref);
  assert.equal(b.passed, true);
  assert.match(fit.summary(), /OLS Regression Results/);
  assert.match(fit.summary(), /GNPDEFL/);
  // a saved fit predicts the same
  const loaded = enms.OlsFit.fromJSON(JSON.stringify(fit));
  assert.deepEqual(loaded.predictSync(rows, 0.9), fit.predictSync(rows, 0.9));
});

/** The steel plant data sorted by interval end (as scripts/reference/ols_reference.py does). */
function loadSteel() {
  const text = readFileSync(STEEL_CSV, 'utf8').replace(/^\uFEFF/, '');
  const [header, ...lines] = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const h = header.split(',');
  const c = (name) => h.indexOf(name);
  const rows = lines.map((line) => {
    const f = line.split(',');
    const [d, m, rest] = f[c('date')].split('/');
    const [y, hm] = rest.split(' ');
    const [hh, mm] = hm.split(':');
    // local times mark the END of each interval; midnight rows carry the date of the day ending
    const t = Date.UTC(+y, +m - 1, +d, +hh, +mm) + (f[c('NSM')].trim() === '0' ? 864e5 : 0);
    return {
      t,
      usage: +f[c('Usage_kWh')],
      lagging: +f[c('Lagging_Current_Reactive_Power_kVarh')],
      leading: +f[c('Leading_Current_Reactive_Power_kVarh')],
      week: f[c('WeekStatus')],
      load: f[c('Load_Type')],
    };
  });
  rows.sort((a, b) => a.t - b.t);
  return rows;
}

test('a baseline with categorical drivers on the steel plant equals statsmodels to 1e-9', () => {
  const ref = FIXTURE.steel;
  const rows = loadSteel();
  const drivers = {
    lagging_kvarh: Float64Array.from(rows, (r) => r.lagging),
    leading_kvarh: Float64Array.from(rows, (r) => r.leading),
    week_status: rows.map((r) => r.week),
    load_type: rows.map((r) => r.load),
  };
  const b = enms.fitBaselineSync(
    Float64Array.from(rows, (r) => r.usage),
    drivers,
    { gates: ['sep', 'ashrae14-hourly'] },
  );
  // strings became indicator columns, the first level in sorted order the reference
  const theirs = {
    'week_status=Weekend': 'weekend',
    'load_type=Maximum_Load': 'load_maximum',
    'load_type=Medium_Load': 'load_medium',
  };
  compareWithStatsmodels(b, ref, (n) => theirs[n] ?? n);
  assert.deepEqual(b.drivers[3], {
    name: 'load_type',
    kind: 'categorical',
    reference: 'Light_Load',
    levels: ['Maximum_Load', 'Medium_Load'],
  });
  assert.deepEqual(
    b.gates.map((g) => g.set),
    ['sep', 'ashrae14-hourly'],
  );
});

// ---------------------------------------------------------------------------------------------
// A plant with known physics

/** Deterministic uniform numbers (mulberry32) and normal ones (Box-Muller). */
function rng(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

const TRUTH = { const: 40, parts: 0.8, heating_degree_hours: 3, 'day_type=weekend': -25 };

/**
 * Hourly plant: 40 kWh base + 0.8 kWh per part + 3 kWh per heating degree-hour, 25 kWh less on
 * weekends, noise sd 6 kWh; `factor` scales the whole consumption (0.95 = 5 % savings).
 */
function plant(hours, seed, factor = 1) {
  const r = rng(seed);
  const y = new Float64Array(hours);
  const parts = new Float64Array(hours);
  const hdh = new Float64Array(hours);
  const day = [];
  for (let h = 0; h < hours; h++) {
    const weekend = Math.floor(h / 24) % 7 >= 5;
    parts[h] = (weekend ? 10 : 60) + 20 * r.uniform();
    const temp = 8 + 6 * Math.sin(((h % 24) / 24) * 2 * Math.PI) + 3 * r.normal();
    hdh[h] = Math.max(15 - temp, 0);
    const e =
      TRUTH.const + TRUTH.parts * parts[h] + TRUTH.heating_degree_hours * hdh[h] + (weekend ? TRUTH['day_type=weekend'] : 0) + 6 * r.normal();
    y[h] = e * factor;
    day.push(weekend ? 'weekend' : 'weekday');
  }
  return { y, drivers: { parts, heating_degree_hours: hdh, day_type: day } };
}

const T0 = Date.parse('2025-01-06T00:00:00Z');
const training = (days) => ({ start: T0, end: T0 + days * 864e5 });

test('a baseline recovers the true coefficients within their confidence intervals', async () => {
  const { y, drivers } = plant(60 * 24, 7);
  const b = await enms.fitBaseline(y, drivers, { confidence: 0.99, training: training(60) });
  assert.ok(b instanceof enms.Baseline);
  assert.equal(b.passed, true, b.failures.join('; '));
  assert.deepEqual(b.failures, []);
  assert.deepEqual(b.gates, [{ set: 'charter', passed: true, failures: [] }]);
  assert.deepEqual(
    b.coefficients.map((c) => c.name),
    ['const', 'parts', 'heating_degree_hours', 'day_type=weekend'],
  );
  for (const c of b.coefficients) {
    const truth = TRUTH[c.name];
    assert.ok(c.ciLow <= truth && truth <= c.ciHigh, `${c.name}: ${truth} outside [${c.ciLow}, ${c.ciHigh}]`);
    assert.ok(c.pValue < 0.05, `${c.name} p ${c.pValue}`);
  }
  assert.equal(b.confidence, 0.99);
  assert.equal(b.n, 60 * 24);
  assert.equal(b.target, 'energy_kwh');
  assert.deepEqual(b.training, training(60));
  assert.ok(b.rSquared > 0.8 && b.adjRSquared < b.rSquared);
  assert.ok(b.cvRmsePct > 0 && Math.abs(b.nmbePct) < 1e-9);
  for (const k of ['fStatistic', 'fPValue', 'aic', 'bic', 'durbinWatson']) assert.ok(Number.isFinite(b[k]), k);
  assert.ok(b.durbinWatson > 1.5 && b.durbinWatson < 2.5);
  assert.equal(b.coefficients[0].vif, undefined);
  // parts follow the day type (few on weekends): collinear, as selectDrivers reports
  const vifs = b.coefficients.slice(1).map((c) => c.vif);
  assert.ok(vifs.every((v) => v >= 1 && Number.isFinite(v)), `${vifs}`);
  assert.match(b.summary(), /day_type=weekend/);
  // predictions with intervals: the prediction interval holds the confidence interval
  const p = b.predictSync({ parts: [50, 70], heating_degree_hours: [0, 5], day_type: ['weekday', 'weekend'] }, 0.95);
  close('prediction', p.mean[0], b.coefficients[0].estimate + 50 * b.coefficients[1].estimate, 1e-12);
  for (let i = 0; i < 2; i++) assert.ok(p.piLow[i] < p.ciLow[i] && p.ciLow[i] < p.mean[i] && p.mean[i] < p.ciHigh[i] && p.ciHigh[i] < p.piHigh[i]);
  // the same regression with the indicator made by hand
  const manual = enms.olsSync(
    y,
    {
      parts: drivers.parts,
      heating_degree_hours: drivers.heating_degree_hours,
      'day_type=weekend': drivers.day_type.map((d) => (d === 'weekend' ? 1 : 0)),
    },
    { confidence: 0.99 },
  );
  assert.deepEqual(manual.coefficients, b.coefficients.map((c) => ({ ...c })));
});

test('savings injected into a reporting period are found within the savings interval', async () => {
  const { y, drivers } = plant(60 * 24, 11);
  const b = enms.fitBaselineSync(y, drivers, { training: training(60) });
  assert.equal(b.passed, true, b.failures.join('; '));
  const saving = plant(30 * 24, 12, 0.95);
  const unchanged = plant(30 * 24, 12, 1);
  const sum = (a) => a.reduce((s, v) => s + v, 0);
  const trueSavings = sum(unchanged.y) - sum(saving.y);
  const r = await b.performance(saving.y, saving.drivers);
  assert.ok(r.savingsLow <= trueSavings && trueSavings <= r.savingsHigh, `true ${trueSavings} outside [${r.savingsLow}, ${r.savingsHigh}]`);
  assert.ok(r.savingsLow > 0, '5 % savings are significant');
  assert.ok(Math.abs(r.savingsFraction - 0.05) < 0.01, `${r.savingsFraction}`);
  assert.ok(r.enpiIndex < 1);
  assert.equal(r.confidence, 0.9);
  assert.equal(r.baselinePassed, true);
  assert.ok(r.fractionalSavingsUncertainty > 0 && r.fractionalSavingsUncertainty < 0.5);
  close('uncertainty', r.savingsUncertainty, r.savings * r.fractionalSavingsUncertainty, 1e-12);
  assert.equal(r.expected.length, 30 * 24);
  for (let i = 0; i < r.expected.length; i++) close(`deviation[${i}]`, r.deviation[i], r.actual[i] - r.expected[i], 1e-12);
  close('cusum', r.cusum[r.cusum.length - 1], -r.savings, 1e-9);
  close('total', r.totalExpected - r.totalActual, r.savings, 1e-12);
  // the expected energy is the baseline's prediction
  assert.deepEqual(r.expected, b.predictSync(saving.drivers, 0.9).mean);
  // a wider confidence gives a wider interval; no savings: the interval holds zero
  const wide = b.performanceSync(saving.y, saving.drivers, { confidence: 0.99 });
  assert.ok(wide.savingsUncertainty > r.savingsUncertainty);
  const none = b.performanceSync(unchanged.y, unchanged.drivers);
  assert.ok(none.savingsLow <= 0 && 0 <= none.savingsHigh, `[${none.savingsLow}, ${none.savingsHigh}]`);
});

test('a saved baseline loads and predicts the same', () => {
  const { y, drivers } = plant(50 * 24, 5);
  const b = enms.fitBaselineSync(y, drivers, { training: training(50), gates: ['charter', 'sep'] });
  const text = JSON.stringify(b);
  const saved = JSON.parse(text);
  assert.equal(saved.format_version, 1);
  assert.equal(saved.fit.coefficients[1].name, 'parts');
  const fromText = enms.Baseline.fromJSON(text);
  const fromObject = enms.Baseline.fromJSON(JSON.stringify(saved));
  const week = plant(7 * 24, 6).drivers;
  const want = b.predictSync(week, 0.95);
  assert.deepEqual(fromText.predictSync(week, 0.95), want);
  assert.deepEqual(fromObject.predictSync(week, 0.95), want);
  assert.deepEqual(fromText.coefficients, b.coefficients);
  assert.deepEqual(fromText.gates, b.gates);
  assert.deepEqual(fromText.drivers, b.drivers);
  assert.deepEqual(fromText.training, b.training);
  assert.equal(fromText.summary(), b.summary());
  assert.equal(JSON.stringify(fromText), text);
});

test('failing gates are reported with their reasons and performance refuses the model', async () => {
  const { y, drivers } = plant(30 * 24, 3);
  const r = rng(99);
  drivers.moisture_pct = Float64Array.from({ length: y.length }, () => r.uniform());
  const b = enms.fitBaselineSync(y, drivers, {
    gates: [
      'charter',
      'sep',
      'ashrae14-hourly',
      { name: 'strict', minRSquared: 0.999, maxCvRmsePct: 1 },
    ],
    training: training(120),
  });
  assert.equal(b.passed, false);
  const charter = b.gates.find((g) => g.set === 'charter');
  assert.equal(charter.passed, false);
  const gates = charter.failures.map((f) => f.gate);
  assert.ok(gates.includes('driver_p') && gates.includes('span') && gates.includes('observations'), `${gates}`);
  const failures = b.failures.join('\n');
  assert.match(failures, /charter driver_p: `moisture_pct` has p = /);
  assert.match(failures, /charter span: the training period spans 120\.0 days/);
  assert.match(failures, /charter observations: 720 observations, at least 1000/);
  assert.match(failures, /strict r_squared: R² = .*, must be at least 0\.999/);
  assert.match(failures, /strict cv_rmse: CV\(RMSE\)/);
  const strict = b.gates.find((g) => g.set === 'strict');
  assert.deepEqual(
    strict.failures.map((f) => f.gate),
    ['r_squared', 'cv_rmse'],
  );
  throwsEnms(() => b.performanceSync(y, drivers), 'ENMS_INVALID_PARAMETER', 'baseline', /moisture_pct/);
  await assert.rejects(b.performance(y, drivers), { code: 'ENMS_INVALID_PARAMETER', field: 'baseline' });
  const allowed = b.performanceSync(y, drivers, { allowFailedGates: true });
  assert.equal(allowed.baselinePassed, false);
});

// ---------------------------------------------------------------------------------------------
// Bad input


test('bad input: an Error with code and field, never a crash', async () => {
  const { y, drivers } = plant(45 * 24, 5);
  const nan = Float64Array.from(drivers.parts);
  nan[17] = NaN;
  throwsEnms(() => enms.fitBaselineSync(y, { ...drivers, parts: nan }), 'ENMS_NON_FINITE', 'parts', /index 17/);
  throwsEnms(() => enms.olsSync(y, { parts: nan }), 'ENMS_NON_FINITE', 'parts');
  throwsEnms(
    () => enms.fitBaselineSync(y, { ...drivers, heating_degree_hours: drivers.heating_degree_hours.slice(1) }),
    'ENMS_LENGTH_MISMATCH',
    'heating_degree_hours',
  );
  throwsEnms(() => enms.fitBaselineSync([1, 2, NaN, 4], { x: [1, 2, 3, 5] }), 'ENMS_NON_FINITE', 'y');
  throwsEnms(() => enms.fitBaselineSync(y, { ...drivers, shift: y.map(() => 3) }), 'ENMS_INVALID_PARAMETER', 'shift', /constant/);
  throwsEnms(
    () => enms.fitBaselineSync(y, { ...drivers, parts_twice: drivers.parts.map((p) => 2 * p) }),
    'ENMS_INVALID_PARAMETER',
    'parts_twice',
    /collinear/,
  );
  throwsEnms(() => enms.fitBaselineSync([1, 2], { x: [1, 2] }), 'ENMS_INVALID_PARAMETER', 'y');
  throwsEnms(() => enms.fitBaselineSync(y, drivers, { gates: ['ashrae14-weekly'] }), 'ENMS_INVALID_PARAMETER', 'granularity');
  throwsEnms(() => enms.fitBaselineSync(y, drivers, { gates: ['iso'] }), 'ENMS_INVALID_PARAMETER', 'gates');
  throwsEnms(() => enms.fitBaselineSync(y, drivers, { confidence: 1.5 }), 'ENMS_INVALID_PARAMETER', 'confidence');
  throwsEnms(() => enms.fitBaselineSync(y, drivers, { training: { start: T0, end: T0 - 1 } }), 'ENMS_INVALID_PARAMETER', 'end');

  const b = enms.fitBaselineSync(y, drivers, { training: training(45) });
  // a level the model was not trained on
  const holiday = { ...drivers, day_type: drivers.day_type.map((d, i) => (i === 30 ? 'holiday' : d)) };
  throwsEnms(() => b.predictSync(holiday, 0.95), 'ENMS_PARSE', 'day_type', /holiday/);
  throwsEnms(() => b.performanceSync(y, holiday), 'ENMS_PARSE', 'day_type');
  await assert.rejects(b.predict(holiday, 0.95), { code: 'ENMS_PARSE', field: 'day_type' });
  // a driver missing, or of the other kind
  const { parts, ...noParts } = drivers;
  throwsEnms(() => b.predictSync(noParts, 0.95), 'ENMS_INVALID_PARAMETER', 'parts');
  throwsEnms(() => b.predictSync({ ...drivers, day_type: y.map(() => 1) }, 0.95), 'ENMS_INVALID_PARAMETER', 'day_type');
  throwsEnms(() => b.performanceSync(y, {}), 'ENMS_INVALID_PARAMETER', 'drivers');
  throwsEnms(() => b.performanceSync(y.slice(1), drivers), 'ENMS_LENGTH_MISMATCH', 'actual');
  throwsEnms(() => b.predictSync(drivers, 1), 'ENMS_INVALID_PARAMETER', 'level');
  throwsEnms(() => b.performanceSync(y, drivers, { confidence: 0 }), 'ENMS_INVALID_PARAMETER', 'confidence');
  assert.ok(parts.length > 0);
  // a model that cannot be read
  throwsEnms(() => enms.Baseline.fromJSON('{"format_version": 1'), 'ENMS_INVALID_PARAMETER', 'json');
  throwsEnms(() => enms.Baseline.fromJSON('{"format_version": 1}'), 'ENMS_INVALID_PARAMETER', 'json', /missing field/);
  const newer = { ...JSON.parse(JSON.stringify(b)), format_version: 99 };
  throwsEnms(() => enms.Baseline.fromJSON(JSON.stringify(newer)), 'ENMS_INVALID_PARAMETER', 'format_version', /newer/);
  assert.throws(() => enms.Baseline.fromJSON({ format_version: 1 }), (e) => e instanceof Error && /String/.test(e.message));
  // a column that is neither numbers nor strings: napi's InvalidArg, naming the driver
  assert.throws(
    () => enms.fitBaselineSync(y, { mixed: [1, 'a'] }),
    (e) => e instanceof Error && e.code === 'InvalidArg' && /mixed/.test(e.message),
  );
  assert.throws(
    () => enms.olsSync(y, { day_type: drivers.day_type }),
    (e) => e instanceof Error && e.code === 'InvalidArg' && /day_type/.test(e.message),
  );
  await assert.rejects(enms.fitBaseline(y, { ...drivers, parts: nan }), { code: 'ENMS_NON_FINITE', field: 'parts' });
  await assert.rejects(enms.ols([1, 2, 3], { x: [1, 2] }), { code: 'ENMS_LENGTH_MISMATCH', field: 'x' });
});

// ---------------------------------------------------------------------------------------------
// Driver selection, change-point and TOWT models

test('selectDrivers ranks the candidates and names what is wrong with the others', async () => {
  const { y, drivers } = plant(60 * 24, 21);
  const r = rng(5);
  drivers.moisture_pct = Float64Array.from({ length: y.length }, () => r.uniform());
  const opts = { maxDrivers: 3, expectedSigns: { parts: 1, heating_degree_hours: 1 }, baseline: { training: training(60) } };
  const c = await enms.selectDrivers(y, drivers, opts);
  assert.equal(c.length, 4 + 6 + 4);
  // parts follow the day type: together they are collinear, so the best recommended model keeps
  // parts and the heating degree-hours
  assert.deepEqual(c[0].drivers, ['parts', 'heating_degree_hours']);
  assert.equal(c[0].recommended, true);
  assert.deepEqual(c[0].problems, []);
  assert.ok(c[0].maxVif <= 5);
  const all = c.find((x) => x.drivers.join() === 'parts,heating_degree_hours,day_type');
  assert.equal(all.vifOk, false);
  assert.ok(all.adjRSquared > c[0].adjRSquared);
  assert.ok(all.problems.some((p) => p.startsWith('collinear drivers')), all.problems.join('; '));
  // ranked: recommended first, then by adjusted R²
  const firstNot = c.findIndex((x) => !x.recommended);
  assert.ok(c.slice(firstNot).every((x) => !x.recommended));
  for (let i = 1; i < firstNot; i++) assert.ok(c[i - 1].adjRSquared >= c[i].adjRSquared);
  const withMoisture = c.find((x) => x.drivers.includes('moisture_pct') && x.drivers.length === 3 && x.drivers.includes('parts'));
  assert.equal(withMoisture.recommended, false);
  assert.ok(withMoisture.problems.some((p) => p.includes('moisture_pct')), withMoisture.problems.join('; '));
  assert.deepEqual(enms.selectDriversSync(y, drivers, opts), c);
  throwsEnms(() => enms.selectDriversSync(y, drivers, { maxDrivers: 0 }), 'ENMS_INVALID_PARAMETER', 'max_drivers');
  throwsEnms(() => enms.selectDriversSync(y, {}), 'ENMS_EMPTY_SERIES', 'drivers');
});

/** A year of daily mean temperatures and a heating load: 120 kWh + 9 kWh per K below 15 °C. */
function heatedBuilding() {
  const r = rng(3);
  const temp = new Float64Array(365);
  const energy = new Float64Array(365);
  for (let d = 0; d < 365; d++) {
    temp[d] = 10 - 12 * Math.cos((2 * Math.PI * d) / 365) + 2 * r.normal();
    energy[d] = 120 + 9 * Math.max(15 - temp[d], 0) + 8 * r.normal();
  }
  return { temp, energy };
}

test('fitChangePoint finds the heating balance point and slope', async () => {
  const { temp, energy } = heatedBuilding();
  const m = await enms.fitChangePoint(temp, energy);
  assert.ok(m instanceof enms.ChangePointModel);
  assert.equal(m.kind, 'heating_3p');
  assert.ok(Math.abs(m.heatingBalanceC - 15) <= 1, `${m.heatingBalanceC}`);
  assert.equal(m.coolingBalanceC, null);
  const hdd = m.coefficients.find((c) => c.name === 'hdd');
  assert.ok(hdd.ciLow < 9 && 9 < hdd.ciHigh, `[${hdd.ciLow}, ${hdd.ciHigh}]`);
  assert.ok(m.rSquared > 0.9);
  assert.deepEqual(
    m.candidates.map((c) => c.kind).sort(),
    ['cooling_3p', 'five_p', 'four_p', 'heating_3p', 'mean'],
  );
  assert.ok(m.candidates.find((c) => c.kind === 'mean').qualified);
  const pred = m.predict([20, 5]);
  close('flat above the balance point', pred[0], m.coefficients[0].estimate, 1e-12);
  assert.ok(pred[1] > pred[0]);
  const sync = enms.fitChangePointSync(temp, energy);
  assert.deepEqual(sync.toJSON(), m.toJSON());
  assert.deepEqual(enms.ChangePointModel.fromJSON(JSON.stringify(m)).predict([20, 5]), pred);
  // a load without weather dependence: the mean model (F undefined), which still saves and loads
  const flat = enms.fitChangePointSync(temp, Float64Array.from(energy, (_, i) => 100 + (i % 2)));
  assert.equal(flat.kind, 'mean');
  assert.ok(Number.isNaN(flat.fStatistic));
  const back = enms.ChangePointModel.fromJSON(JSON.stringify(flat));
  assert.ok(Number.isNaN(back.fStatistic));
  assert.deepEqual(back.predict([3, 30]), flat.predict([3, 30]));
  // options override enms' defaults one by one
  const only = enms.fitChangePointSync(temp, energy, { kinds: ['mean', 'cooling_3p'] });
  assert.notEqual(only.kind, 'heating_3p');
  const coarse = enms.fitChangePointSync(temp, energy, { stepC: 2, heatingRangeC: [10, 20] });
  assert.equal(coarse.heatingBalanceC % 2, 0);
  throwsEnms(() => enms.fitChangePointSync(temp, energy, { kinds: ['sixp'] }), 'ENMS_INVALID_PARAMETER', 'kinds');
  throwsEnms(() => enms.fitChangePointSync(temp, energy, { heatingRangeC: [1, 2, 3] }), 'ENMS_INVALID_PARAMETER', 'heating_range_c');
  throwsEnms(() => enms.fitChangePointSync(temp, energy, { stepC: 0 }), 'ENMS_INVALID_PARAMETER', 'step_c');
  throwsEnms(() => enms.fitChangePointSync(temp.slice(1), energy), 'ENMS_LENGTH_MISMATCH', 'temp_c');
  throwsEnms(() => m.predict([1, NaN]), 'ENMS_NON_FINITE', 'temp_c');
  // savings over a reporting period: the same weather, 7 % saved
  const actual = energy.map((v) => 0.93 * v);
  const truth = energy.reduce((a, b) => a + b, 0) * 0.07;
  const rep = m.performance(temp, actual);
  assert.ok(rep.savingsLow <= truth && truth <= rep.savingsHigh, `${truth} [${rep.savingsLow}, ${rep.savingsHigh}]`);
  assert.ok(rep.savingsLow > 0 && rep.cusum.length === 365);
  close('CUSUM ends at minus the savings', rep.cusum[364], -rep.savings, 1e-9);
  throwsEnms(() => m.performance(temp, actual.slice(1)), 'ENMS_LENGTH_MISMATCH', 'actual');
  throwsEnms(() => m.performance(temp, Float64Array.from(actual, (v, i) => (i === 5 ? NaN : v))), 'ENMS_NON_FINITE', 'actual');
});

test('fitTowt fits hours of the week and temperature slopes', async () => {
  // four weeks of hours: occupied 8-18 on weekdays (+50 kWh), heating 2 kWh per K below 15 °C
  const hours = 28 * 24;
  const r = rng(8);
  const ts = new Float64Array(hours);
  const temp = new Float64Array(hours);
  const energy = new Float64Array(hours);
  for (let h = 0; h < hours; h++) {
    ts[h] = T0 + h * 3600e3; // T0 is a Monday
    const hod = h % 24;
    const weekday = Math.floor(h / 24) % 7 < 5;
    temp[h] = 8 + 6 * Math.sin(((hod - 9) / 24) * 2 * Math.PI) + 2 * r.normal();
    energy[h] = 20 + (weekday && hod >= 8 && hod < 18 ? 50 : 0) + 2 * Math.max(15 - temp[h], 0) + r.normal();
  }
  const m = await enms.fitTowt(ts, temp, energy, { timezone: 'UTC' });
  assert.ok(m instanceof enms.TowtModel);
  assert.equal(m.towLevels.length, 168);
  assert.equal(m.occupied.length, 168);
  // working hours of every weekday are occupied, the weekend's are not
  for (let d = 0; d < 7; d++) {
    for (let hod = 9; hod < 17; hod++) assert.equal(m.occupied[d * 24 + hod], d < 5, `day ${d} ${hod}:00`);
  }
  // the heating slope below 15 °C in the 0-5, 5-10 and 10-15 °C segments
  for (const slopes of [m.occupiedSlopes, m.unoccupiedSlopes]) {
    for (const k of [1, 2, 3]) assert.ok(Math.abs(slopes[k] + 2) < 0.3, `${slopes}`);
  }
  assert.ok(m.rSquared > 0.95, `${m.rSquared}`);
  assert.ok(m.cvRmsePct < 5 && Math.abs(m.nmbePct) < 1e-6, `${m.cvRmsePct} ${m.nmbePct}`);
  assert.equal(m.n, hours);
  assert.deepEqual(m.knotsC, [0, 5, 10, 15, 20, 25]);
  const pred = m.predictSync(ts.slice(0, 48), temp.slice(0, 48));
  assert.equal(pred.length, 48);
  assert.deepEqual(await m.predict(ts.slice(0, 48), temp.slice(0, 48)), pred);
  const sync = enms.fitTowtSync(ts, temp, energy);
  assert.deepEqual(sync.towLevels, m.towLevels);
  throwsEnms(() => enms.fitTowtSync(ts, temp, energy, { knotsC: [10, 5] }), 'ENMS_INVALID_PARAMETER', 'knots_c');
  throwsEnms(() => enms.fitTowtSync(ts, temp, energy, { timezone: 'Mars/Olympus' }), 'ENMS_UNKNOWN_TIME_ZONE', null);
  throwsEnms(() => enms.fitTowtSync(ts.slice(1), temp, energy), 'ENMS_LENGTH_MISMATCH', 'ts');
  // savings over a reporting period (the training hours, 10 % saved)
  const actual = energy.map((v) => 0.9 * v);
  const rep = m.performanceSync(ts, temp, actual);
  const truth = energy.reduce((a, b) => a + b, 0) * 0.1;
  assert.ok(rep.savingsLow <= truth && truth <= rep.savingsHigh, `${truth} [${rep.savingsLow}, ${rep.savingsHigh}]`);
  assert.deepEqual(await m.performance(ts, temp, actual), rep);
  assert.ok(Number.isFinite(m.residAutocorrLag1));
  throwsEnms(() => m.performanceSync(ts, temp, actual.slice(2)), 'ENMS_LENGTH_MISMATCH', 'actual');
});

// ---------------------------------------------------------------------------------------------
// Off the main thread

test('fitting, performance and driver selection leave the event loop free', async () => {
  // 100 000 periods of the plant (more than a baseline usually has; enough to take a while)
  const { y, drivers } = plant(100_000, 31);
  const fit = await ticksDuring(enms.fitBaseline(y, drivers, { gates: ['sep'] }));
  assert.ok(fit.ticks > 0, `the event loop turned ${fit.ticks} times`);
  const b = fit.value;
  assert.deepEqual(b.coefficients, enms.fitBaselineSync(y, drivers, { gates: ['sep'] }).coefficients);
  const perf = await ticksDuring(b.performance(y, drivers));
  assert.ok(perf.ticks > 0);
  assert.ok(Math.abs(perf.value.savings) < 1e-6 * perf.value.totalExpected);
  const sel = await ticksDuring(enms.selectDrivers(y, drivers, { baseline: { gates: ['sep'] } }));
  assert.ok(sel.ticks > 0);
  assert.equal(sel.value.length, 7);
});

// ---------------------------------------------------------------------------------------------
// Modelling tables: readings to one row per period

test('a modelling table of the simulated plant: daily energy and drivers, and its baseline', async () => {
  const sim = enms.simulateSync({ seed: 42, machines: ['injection-molding-1'], start: '2025-01-06', end: '2025-02-03' });
  const power = sim.energyReadings[0];
  const prod = sim.production[0];
  const drivers = [
    { name: 'production', aggregation: 'sum', ts: prod.ts, values: prod.productionCount },
    { name: 'day_type', aggregation: 'day_type' },
  ];
  // two days more than the data: left out and listed
  const range = { start: '2025-01-06T00:00:00+01:00', end: '2025-02-05T00:00:00+01:00' };
  const table = await enms.modellingTable(power, drivers, { range, timezone: 'Europe/Berlin' });
  assert.ok(table instanceof enms.ModellingTable);
  assert.equal(table.periodsTotal, 30);
  assert.equal(table.start.length, 28);
  assert.deepEqual(
    table.dropped.map((d) => [new Date(d.start).toISOString(), d.shortfalls.map((s) => s.column)]),
    [
      ['2025-02-02T23:00:00.000Z', ['energy_kwh', 'production']],
      ['2025-02-03T23:00:00.000Z', ['energy_kwh', 'production']],
    ],
  );
  assert.deepEqual(Object.keys(table.drivers), ['production', 'day_type']);
  // energy per local day equals the daily rollup; production the counts labelled inside each day
  const days = enms.rollupSync(power, { width: '1d', timezone: 'Europe/Berlin' });
  for (let i = 0; i < table.start.length; i++) {
    assert.equal(table.start[i], days.start[i]);
    close(`energy day ${i}`, table.energyKwh[i], days.energyKwh[i], 1e-12);
    let parts = 0;
    for (let k = 0; k < prod.ts.length; k++) if (prod.ts[k] > table.start[i] && prod.ts[k] <= table.end[i]) parts += prod.productionCount[k];
    close(`production day ${i}`, table.drivers.production[i], parts, 1e-12);
    const weekday = new Date(table.start[i] + 12 * 3600e3).getUTCDay();
    assert.equal(table.drivers.day_type[i], weekday === 0 || weekday === 6 ? 'weekend' : 'weekday');
  }
  // its baseline is fitBaseline over its columns, trained over its range
  const b = table.fit({ gates: ['sep'] });
  assert.deepEqual(table.range, { start: Date.parse(range.start), end: Date.parse(range.end) });
  assert.deepEqual(b.training, table.range);
  assert.deepEqual(b.coefficients, enms.fitBaselineSync(table.energyKwh, table.drivers, { gates: ['sep'], training: table.range }).coefficients);
  assert.ok(b.coefficients.find((c) => c.name === 'day_type=weekend').estimate < 0);
  assert.equal(table.spec.period.timezone, 'Europe/Berlin');
  assert.equal(table.spec.min_coverage, 0.9);
  // the synchronous twin builds the same table
  const sync = enms.modellingTableSync(power, drivers, { range, timezone: 'Europe/Berlin' });
  assert.deepEqual(sync.energyKwh, table.energyKwh);

  // bad input names the field
  const opts = { range, timezone: 'Europe/Berlin' };
  throwsEnms(() => enms.modellingTableSync(power, [{ name: 'production', aggregation: 'sum', ts: [], values: [] }], opts), 'ENMS_EMPTY_SERIES', 'production');
  throwsEnms(() => enms.modellingTableSync(power, [{ name: 'x', aggregation: 'median' }], opts), 'ENMS_INVALID_PARAMETER', 'aggregation');
  throwsEnms(
    () => enms.modellingTableSync(power, [{ name: 'hdd', aggregation: 'heating_degree_days', ts: prod.ts, values: prod.productionCount }], { ...opts, period: '1h' }),
    'ENMS_INVALID_PARAMETER',
    'period',
  );
  throwsEnms(() => enms.modellingTableSync(power, drivers, { ...opts, minCoverage: 0 }), 'ENMS_INVALID_PARAMETER', 'min_coverage');
  const nan = Float64Array.from(prod.productionCount);
  nan[3] = NaN;
  throwsEnms(() => enms.modellingTableSync(power, [{ name: 'production', aggregation: 'sum', ts: prod.ts, values: nan }], opts), 'ENMS_NON_FINITE', 'production');
  // no period with data: the column that fell short is named
  throwsEnms(
    () => enms.modellingTableSync(power, drivers, { ...opts, range: { start: '2025-03-01T00:00:00Z', end: '2025-03-05T00:00:00Z' } }),
    'ENMS_EMPTY_SERIES',
    'energy_kwh',
  );
});
