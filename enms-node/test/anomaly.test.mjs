// The isolation forest of the Node face: the very numbers of enms-core (fixture written through the
// Python face by scripts/reference/iforest_node_fixture.py: the same core, so the same scores),
// scikit-learn's conventions and its ROC AUC on the synthetic set of scripts/reference/
// iforest_reference.py, the input shapes, JSON save/load, work off the main thread and typed
// errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { enms, throwsEnms, ticksDuring } from './helpers.mjs';

const FIXTURE = JSON.parse(
  readFileSync(new URL('./fixtures/iforest_core.json', import.meta.url), 'utf8'),
);
const SKLEARN = JSON.parse(
  readFileSync(new URL('../../enms-core/tests/fixtures/iforest_sklearn.json', import.meta.url), 'utf8'),
).synthetic;

const camel = (p) => ({
  nEstimators: p.n_estimators,
  maxSamples: p.max_samples,
  contamination: p.contamination,
  randomState: p.random_state,
});

/** Equal to 1e-12: the addon's debug build and the Python wheel's release build may round the
 * last bit of a float differently; everything else is the same computation. */
function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-12, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}


/** Mann-Whitney ROC AUC of `scores` (higher = more positive), ties counted half. */
function rocAuc(labels, scores) {
  const idx = Array.from(scores, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[idx[k]]) { rankSum += rank; pos++; }
    i = j + 1;
  }
  const neg = idx.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

test('the same scores, decisions, labels and offset as enms-core for a fixed seed', async () => {
  for (const f of FIXTURE.forests) {
    const forest = new enms.IsolationForest(camel(f.params));
    assert.equal(forest.isFitted, false);
    assert.equal(forest.fitSync(FIXTURE.train), forest, 'fitSync returns the forest');
    assertClose([forest.offset], [f.offset], 'offset');
    assert.equal(forest.maxSamples, f.max_samples);
    for (const part of ['train', 'test']) {
      const X = FIXTURE[part];
      const s = forest.scoreSamplesSync(X);
      assertClose(s, f[part].score_samples, `${part} score_samples`);
      assertClose(forest.decisionFunctionSync(X), f[part].decision_function, `${part} decision_function`);
      assert.deepStrictEqual(Array.from(forest.predictSync(X)), f[part].predict);
      // the Promise versions give the same
      assert.deepStrictEqual(await forest.scoreSamples(X), s);
      assert.deepStrictEqual(await forest.decisionFunction(X), forest.decisionFunctionSync(X));
      assert.deepStrictEqual(Array.from(await forest.predict(X)), f[part].predict);
    }
    // fit off the main thread resolves with the forest itself, fitted the same
    const again = new enms.IsolationForest(camel(f.params));
    assert.equal(await again.fit(FIXTURE.train), again);
    assert.deepStrictEqual(again.scoreSamplesSync(FIXTURE.test), forest.scoreSamplesSync(FIXTURE.test));
  }
});

test("scikit-learn's conventions: signs, offset, labels, contamination share", () => {
  const X = { x0: SKLEARN.x0, x1: SKLEARN.x1 };
  const f = new enms.IsolationForest({ randomState: 0 }).fitSync(X);
  const s = f.scoreSamplesSync(X);
  const d = f.decisionFunctionSync(X);
  const p = f.predictSync(X);
  assert.ok(s instanceof Float64Array && d instanceof Float64Array && p instanceof Int8Array);
  assert.equal(f.offset, -0.5);
  assert.equal(f.maxSamples, 256);
  assert.equal(f.nFeaturesIn, 2);
  assert.deepStrictEqual(f.featureNames, ['x0', 'x1']);
  for (let i = 0; i < s.length; i++) {
    assert.ok(s[i] < 0 && s[i] >= -1, 'score_samples in [-1, 0)');
    assert.ok(Math.abs(d[i] - (s[i] - f.offset)) < 1e-15);
    assert.equal(p[i], d[i] >= 0 ? 1 : -1);
  }
  // outliers score lower (more abnormal) than inliers on average
  const mean = (pick) => {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < s.length; i++) if (pick(i)) { sum += s[i]; n++; }
    return sum / n;
  };
  assert.ok(mean((i) => SKLEARN.label[i] === 1) < mean((i) => SKLEARN.label[i] === 0));
  // contamination as a fraction: about that share is predicted anomalous
  for (const c of [0.02, 0.05, 0.1]) {
    const g = new enms.IsolationForest({ contamination: c, seed: 0 }).fitSync(X);
    const share = g.predictSync(X).filter((v) => v === -1).length / SKLEARN.label.length;
    assert.ok(Math.abs(share - c) < 0.005, `contamination ${c}: share ${share}`);
    assert.ok(g.offset > -1 && g.offset < 0);
  }
  assert.deepStrictEqual(f.getParams(), {
    nEstimators: 100,
    maxSamples: 'auto',
    contamination: 'auto',
    maxFeatures: 1,
    randomState: 0,
  });
});

test("ROC AUC within 0.005 of scikit-learn's on the synthetic set (mean over seeds 0..9)", async () => {
  const X = { x0: SKLEARN.x0, x1: SKLEARN.x1 };
  let sum = 0;
  for (let seed = 0; seed < 10; seed++) {
    const f = await new enms.IsolationForest({ nEstimators: SKLEARN.n_estimators, randomState: seed }).fit(X);
    const s = await f.scoreSamples(X);
    sum += rocAuc(SKLEARN.label, Array.from(s, (v) => -v));
  }
  const ours = sum / 10;
  assert.ok(Math.abs(ours - SKLEARN.auc_mean) < 0.005, `enms ${ours} vs scikit-learn ${SKLEARN.auc_mean}`);
});

test('inputs: columns, typed arrays, rows of numbers, records; columns matched by name', () => {
  const { x0, x1 } = FIXTURE.train;
  const f = new enms.IsolationForest({ randomState: 5, nEstimators: 30 }).fitSync({ power_kw: x0, temp_c: x1 });
  assert.deepStrictEqual(f.featureNames, ['power_kw', 'temp_c']);
  const s = f.scoreSamplesSync({ power_kw: x0, temp_c: x1 });
  assert.deepStrictEqual(f.scoreSamplesSync({ power_kw: Float64Array.from(x0), temp_c: Float64Array.from(x1) }), s);
  assert.deepStrictEqual(f.scoreSamplesSync({ temp_c: x1, power_kw: x0 }), s, 'named columns in any order');
  const rows = x0.map((v, i) => [v, x1[i]]);
  assert.deepStrictEqual(f.scoreSamplesSync(rows), s, 'rows of numbers by position');
  const records = x0.map((v, i) => ({ power_kw: v, temp_c: x1[i] }));
  assert.deepStrictEqual(f.scoreSamplesSync(records), s, 'records by name');
  // a forest fitted on rows names its columns x0, x1 and scores the same as one fitted on columns
  const g = new enms.IsolationForest({ randomState: 5, nEstimators: 30 }).fitSync(rows);
  assert.deepStrictEqual(g.featureNames, ['x0', 'x1']);
  assert.deepStrictEqual(g.scoreSamplesSync(rows), s);
  // named columns other than the fitted ones: refused, naming the missing feature
  throwsEnms(() => f.scoreSamplesSync({ power_kw: x0, outdoor_c: x1 }), 'ENMS_INVALID_PARAMETER', 'temp_c');
  const h = new enms.IsolationForest({ randomState: 5, nEstimators: 30 }).fitSync(records);
  assert.deepStrictEqual(h.scoreSamplesSync(records), s);
});

test('JSON round trip: the same forest, parameters as fitted', () => {
  const f = new enms.IsolationForest({ nEstimators: 50, maxSamples: 128, contamination: 0.1, randomState: 4 }).fitSync(
    FIXTURE.train,
  );
  const text = JSON.stringify(f);
  const saved = JSON.parse(text);
  assert.equal(saved.params.n_estimators, 50);
  assert.deepStrictEqual(saved.params.contamination, { fraction: 0.1 });
  assert.deepStrictEqual(saved.feature_names, ['x0', 'x1']);
  const g = enms.IsolationForest.fromJSON(text);
  // a forest whose tree splits on a column it does not have is refused when loaded
  const broken = JSON.parse(text);
  broken.trees[0].nodes[0].feature = 7;
  throwsEnms(() => enms.IsolationForest.fromJSON(JSON.stringify(broken)), 'ENMS_INVALID_PARAMETER', 'model');
  assert.equal(g.isFitted, true);
  assert.equal(g.offset, f.offset);
  assert.deepStrictEqual(g.scoreSamplesSync(FIXTURE.test), f.scoreSamplesSync(FIXTURE.test));
  assert.deepStrictEqual(g.predictSync(FIXTURE.test), f.predictSync(FIXTURE.test));
  assert.deepStrictEqual(g.getParams(), f.getParams());
  assert.equal(JSON.stringify(g), text);
});

test('fit and scoring leave the event loop free', async () => {
  const n = 50_000;
  const X = { a: new Float64Array(n), b: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    X.a[i] = Math.sin(i / 7);
    X.b[i] = Math.cos(i / 11);
  }
  const f = new enms.IsolationForest({ randomState: 1 });
  const fit = await ticksDuring(f.fit(X));
  assert.equal(fit.value, f);
  const scored = await ticksDuring(f.scoreSamples(X));
  assert.ok(scored.ticks > 0, `the event loop turned ${scored.ticks} times`);
  assert.equal(scored.value.length, n);
});

test('bad input: typed errors naming the field, never a crash', async () => {
  const X = FIXTURE.train;
  const f = new enms.IsolationForest({ randomState: 0 }).fitSync(X);
  // a feature count the forest has not seen
  throwsEnms(() => f.scoreSamplesSync({ x0: X.x0, x1: X.x1, x2: X.x0 }), 'ENMS_LENGTH_MISMATCH', 'features');
  throwsEnms(() => f.predictSync([[1, 2, 3]]), 'ENMS_LENGTH_MISMATCH', 'features');
  await assert.rejects(f.decisionFunction({ x0: X.x0 }), (e) => e.code === 'ENMS_LENGTH_MISMATCH' && e.field === 'features');
  // a feature it was not fitted on
  throwsEnms(() => f.scoreSamplesSync({ x0: X.x0, speed: X.x1 }), 'ENMS_INVALID_PARAMETER', 'x1');
  // NaN, ragged columns, nothing
  throwsEnms(() => f.scoreSamplesSync({ x0: [1, NaN], x1: [1, 2] }), 'ENMS_NON_FINITE', 'x0');
  throwsEnms(() => new enms.IsolationForest().fitSync({ a: [1, 2, 3], b: [1, 2] }), 'ENMS_LENGTH_MISMATCH', 'b');
  throwsEnms(() => new enms.IsolationForest().fitSync({}), 'ENMS_EMPTY_SERIES', 'features');
  throwsEnms(() => new enms.IsolationForest().fitSync([]), 'ENMS_EMPTY_SERIES', 'features');
  throwsEnms(() => new enms.IsolationForest().fitSync([{ a: 1 }, { b: 2 }]), 'ENMS_NON_FINITE', 'a');
  await assert.rejects(new enms.IsolationForest().fit({ a: [1] }), (e) => e.code === 'ENMS_EMPTY_SERIES');
  // parameters: the core's rules at fit, conversions at construction
  throwsEnms(() => new enms.IsolationForest({ contamination: 0.7 }).fitSync(X), 'ENMS_INVALID_PARAMETER', 'contamination');
  throwsEnms(() => new enms.IsolationForest({ nEstimators: 0 }).fitSync(X), 'ENMS_INVALID_PARAMETER', 'n_estimators');
  throwsEnms(() => new enms.IsolationForest({ maxFeatures: 1.5 }).fitSync(X), 'ENMS_INVALID_PARAMETER', 'max_features');
  throwsEnms(() => new enms.IsolationForest({ maxSamples: 0 }).fitSync(X), 'ENMS_INVALID_PARAMETER', 'max_samples');
  throwsEnms(() => new enms.IsolationForest({ contamination: 'some' }), 'ENMS_INVALID_PARAMETER', 'contamination');
  throwsEnms(() => new enms.IsolationForest({ maxSamples: 'all' }), 'ENMS_INVALID_PARAMETER', 'max_samples');
  throwsEnms(() => new enms.IsolationForest({ randomState: -1 }), 'ENMS_INVALID_PARAMETER', 'random_state');
  throwsEnms(() => new enms.IsolationForest({ nEstimators: 2.5 }), 'ENMS_INVALID_PARAMETER', 'n_estimators');
  throwsEnms(() => new enms.IsolationForest({ randomState: 1, seed: 2 }), 'ENMS_INVALID_PARAMETER', 'random_state');
  // not fitted, bad JSON
  const unfitted = new enms.IsolationForest();
  throwsEnms(() => unfitted.scoreSamplesSync(X), 'ENMS_INVALID_PARAMETER', 'X');
  throwsEnms(() => unfitted.offset, 'ENMS_INVALID_PARAMETER', 'X');
  throwsEnms(() => JSON.stringify(unfitted), 'ENMS_INVALID_PARAMETER', 'X');
  throwsEnms(() => enms.IsolationForest.fromJSON('{"params": 1}'), 'ENMS_INVALID_PARAMETER', 'json');
  // values of the wrong JS type are napi's InvalidArg
  assert.throws(() => f.scoreSamplesSync([[1, 'a']]), (e) => e.code === 'InvalidArg');
  assert.throws(() => f.scoreSamplesSync({ x0: 'abc', x1: [1] }), (e) => e.code === 'InvalidArg');
  assert.throws(() => f.scoreSamplesSync([[1, 2], [3]]), (e) => e.code === 'InvalidArg' && /rows\[1\]/.test(e.message));
});

// ---------------------------------------------------------------------------------------------
// Sigma rules, events and the detection pipeline

const HOUR = 3_600_000;
const T0 = Date.parse('2025-01-06T00:00:00Z'); // a Monday

/**
 * The core's test plant (enms-core src/anomaly/detect.rs `plant()`, the same generator): five
 * weeks of an hourly machine with a weekly pattern, production and noise, and a fault of six
 * hours (+40 % energy) in the last week, at hours 4 * 168 + 30 .. + 36.
 */
function plant() {
  const n = 5 * 168;
  let state = 12345n;
  const noise = () => {
    state = (state * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number(state >> 11n) / 2 ** 53 - 0.5;
  };
  const ts = [];
  const energy = [];
  const production = [];
  const temp = [];
  for (let i = 0; i < n; i++) {
    const h = i % 168;
    const working = h < 120 && h % 24 >= 6 && h % 24 < 22;
    const p = working ? 100 + 20 * noise() : 0;
    const t = 5 + 3 * Math.sin(i / 24);
    let e = 20 + 0.5 * p - 0.4 * t + 2 * noise();
    if (i >= 4 * 168 + 30 && i < 4 * 168 + 36) e *= 1.4;
    ts.push(T0 + i * HOUR);
    energy.push(e);
    production.push(p);
    temp.push(t);
  }
  return { ts, energy, production, temp };
}

const FAULT_START = T0 + (4 * 168 + 30) * HOUR;
const FAULT_END = T0 + (4 * 168 + 36) * HOUR;
const TRAINING = { start: T0, end: T0 + 4 * 168 * HOUR };
const DETECTION = { start: T0 + 4 * 168 * HOUR, end: T0 + 5 * 168 * HOUR };

test('sigmaFlags and mergeEvents: the core test of a step in the residuals', () => {
  const r = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 1 : -1));
  for (let i = 150; i < 154; i++) r[i] = 10;
  r[156] = 2.9;
  const { severity, z } = enms.sigmaFlags(r);
  assert.ok(z instanceof Float64Array && z.length === 200);
  assert.ok(severity.slice(0, 150).every((s) => s === 'normal'));
  assert.equal(severity[150], 'critical');
  assert.ok(Number.isNaN(z[10]), 'not judged before minPeriods');
  assert.equal(severity[156], 'warning');
  const ts = Array.from({ length: 200 }, (_, i) => T0 + i * 900_000);
  const powerZ = Array.from({ length: 200 }, (_, i) => (i === 150 ? 8 : 0.5));
  const flagged = {
    machineId: 'press-1',
    ts,
    periodS: 900,
    severity,
    scores: z,
    featureZ: { power_kw: powerZ, temp_c: new Float64Array(200).fill(0.1) },
  };
  const events = enms.mergeEvents(flagged, { maxGap: 2 });
  assert.deepStrictEqual(events, [
    {
      machineId: 'press-1',
      start: ts[150],
      end: ts[156] + 900_000,
      severity: 'critical',
      peakAt: ts[150],
      peakScore: z[150],
      points: 5,
      features: ['power_kw'],
    },
  ]);
  assert.equal(enms.mergeEvents(flagged, { maxGap: 0 }).length, 2, 'without bridging the warning is apart');
  assert.deepStrictEqual(enms.mergeEvents(flagged, { maxGap: 2 }), events, 'the same again');
  // a fixed sigma (a baseline's residual standard error) judges from the first residual
  const fixed = enms.sigmaFlags(r, { fixedSigma: 1 });
  assert.equal(fixed.severity[0], 'normal');
  assert.equal(fixed.z[0], 1);
  assert.equal(fixed.severity[150], 'critical');
  // the rule's defaults are the core's: 'rolling' is the default rule
  assert.deepStrictEqual(enms.sigmaFlags(r, { fixedSigma: 'rolling', window: 96, minPeriods: 24 }), enms.sigmaFlags(r));
});

test("detectAnomalies: the core test plant's fault, from features or from readings", async () => {
  const p = plant();
  const input = {
    machineId: 'm-1',
    training: TRAINING,
    detection: DETECTION,
    features: { ts: p.ts, columns: { energy_kwh: p.energy, production: p.production, outdoor_temp_c: p.temp } },
  };
  const events = enms.detectAnomaliesSync(input);
  assert.equal(events.length, 1, JSON.stringify(events));
  const e = events[0];
  assert.equal(e.machineId, 'm-1');
  assert.equal(e.start, FAULT_START);
  assert.equal(e.end, FAULT_END);
  assert.equal(e.severity, 'critical');
  assert.equal(e.features[0], 'energy_kwh');
  assert.ok(e.peakScore >= 4);
  assert.deepStrictEqual(await enms.detectAnomalies(input), events, 'the Promise version gives the same');
  // RFC 3339 ranges and typed arrays are the same input
  const typed = {
    ...input,
    training: { start: '2025-01-06T00:00:00Z', end: '2025-02-03T00:00:00Z' },
    features: { ts: Float64Array.from(p.ts), columns: { energy_kwh: Float64Array.from(p.energy), production: p.production, outdoor_temp_c: p.temp } },
  };
  assert.deepStrictEqual(enms.detectAnomaliesSync(typed), events);

  // readings: power every 5 minutes at the hour's energy, production counted per hour (labelled
  // by the hour's end), outdoor temperature sampled hourly; enms-core builds the features
  const ts = [];
  const powerKw = [];
  p.ts.forEach((t, i) => {
    for (let k = 0; k < 12; k++) {
      ts.push(t + k * 300_000);
      powerKw.push(p.energy[i]);
    }
  });
  ts.push(DETECTION.end);
  powerKw.push(p.energy[p.energy.length - 1]);
  const fromReadings = await enms.detectAnomalies({
    machineId: 'm-1',
    training: TRAINING,
    detection: DETECTION,
    power: { ts, powerKw },
    production: { ts: p.ts.map((t) => t + HOUR), values: p.production },
    quantities: { outdoor_temp_c: { ts: p.ts, values: p.temp } },
  });
  assert.equal(fromReadings.length, 1, JSON.stringify(fromReadings));
  assert.equal(fromReadings[0].start, FAULT_START);
  assert.equal(fromReadings[0].severity, 'critical');
  assert.equal(fromReadings[0].features[0], 'energy_kwh');
  // options: with a warning limit as the least severity and no score floor, more is reported
  const loose = enms.detectAnomaliesSync(input, { minEventSeverity: 'warning', minEventScore: 0, sigma: { warningSigma: 1.5 } });
  assert.ok(loose.length > 1);
  assert.ok(loose.some((x) => x.start <= FAULT_START && x.end >= FAULT_END));
});

test('sigmaFlags, mergeEvents and detectAnomalies: typed errors', async () => {
  throwsEnms(() => enms.sigmaFlags([1, NaN]), 'ENMS_NON_FINITE', 'residuals');
  throwsEnms(() => enms.sigmaFlags([1, 2], { warningSigma: 3, criticalSigma: 2 }), 'ENMS_INVALID_PARAMETER', 'critical_sigma');
  throwsEnms(() => enms.sigmaFlags([1, 2], { window: 1 }), 'ENMS_INVALID_PARAMETER', 'window');
  throwsEnms(() => enms.sigmaFlags([1, 2], { fixedSigma: 'sometimes' }), 'ENMS_INVALID_PARAMETER', 'fixed_sigma');
  const flagged = { machineId: 'm', ts: [T0, T0 + HOUR], periodS: 3600, severity: ['normal', 'critical'], scores: [0, 5] };
  throwsEnms(() => enms.mergeEvents({ ...flagged, periodS: 0 }), 'ENMS_INVALID_PARAMETER', 'period_us');
  throwsEnms(() => enms.mergeEvents({ ...flagged, severity: ['normal'] }), 'ENMS_LENGTH_MISMATCH', 'severity');
  throwsEnms(() => enms.mergeEvents({ ...flagged, severity: ['normal', 'awful'] }), 'ENMS_INVALID_PARAMETER', 'severity');
  throwsEnms(() => enms.mergeEvents({ ...flagged, ts: [T0 + HOUR, T0] }), 'ENMS_UNSORTED', 'ts');
  const p = plant();
  const input = {
    machineId: 'm-1',
    training: TRAINING,
    detection: DETECTION,
    features: { ts: p.ts, columns: { energy_kwh: p.energy, production: p.production } },
  };
  throwsEnms(() => enms.detectAnomaliesSync(input, { periodS: 0 }), 'ENMS_INVALID_PARAMETER', 'period_s');
  throwsEnms(() => enms.detectAnomaliesSync(input, { targets: ['cop'] }), 'ENMS_INVALID_PARAMETER', 'cop');
  throwsEnms(() => enms.detectAnomaliesSync(input, { timezone: 'Mars/Olympus' }), 'ENMS_UNKNOWN_TIME_ZONE', null);
  throwsEnms(() => enms.detectAnomaliesSync(input, { minEventSeverity: 'dire' }), 'ENMS_INVALID_PARAMETER', 'min_event_severity');
  throwsEnms(
    () => enms.detectAnomaliesSync({ ...input, features: { ts: p.ts, columns: { energy_kwh: p.energy.slice(5) } } }),
    'ENMS_LENGTH_MISMATCH',
    'energy_kwh',
  );
  throwsEnms(() => enms.detectAnomaliesSync({ machineId: 'm', training: TRAINING, detection: DETECTION }), 'ENMS_INVALID_PARAMETER', 'features');
  throwsEnms(() => enms.detectAnomaliesSync({ ...input, training: { start: T0, end: T0 - 1 } }), 'ENMS_INVALID_PARAMETER', 'end');
  await assert.rejects(
    enms.detectAnomalies({ machineId: 'm', training: TRAINING, detection: DETECTION, power: { ts: [T0, T0 + 1000], powerKw: [1, NaN] } }),
    (e) => e.code === 'ENMS_NON_FINITE' && e.field === 'power_kw',
  );
});
