'use strict';
// The enms-anomaly node's logic: the options it sends hold only the settings given, payloads of
// readings (one machine's columns or enms-simulator records of several machines) give enms'
// one-call detectAnomalies per machine, and residuals (records or columns) give enms' sigmaFlags
// merged by mergeEvents.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const enms = require('enms');
const { ruleOf, detectOptionsOf, detectInputsOf, residualsOf, residualEvents, detectPayload } = require('../../src/core/anomaly');
const { TRAINING, DETECTION, FAULT, records } = require('../plant');

const strip = ({ startIso, endIso, ...e }) => e;

test('the options hold only the settings given', () => {
  assert.equal(ruleOf({}), undefined);
  assert.deepStrictEqual(ruleOf({ window: '48', minPeriods: '', warningSigma: '2.5', fixedSigma: 'rolling' }), {
    window: 48,
    warningSigma: 2.5,
    fixedSigma: 'rolling',
  });
  assert.deepStrictEqual(ruleOf({ fixedSigma: '1.5' }), { fixedSigma: 1.5 });
  assert.deepStrictEqual(detectOptionsOf({}), {});
  assert.deepStrictEqual(
    detectOptionsOf({ timezone: 'Europe/Berlin', periodS: '900', criticalSigma: '3.5', maxGap: '0', minEventSeverity: 'warning', options: '{"minEventScore": 5}' }),
    { minEventScore: 5, timezone: 'Europe/Berlin', periodS: 900, sigma: { criticalSigma: 3.5 }, maxGap: 0, minEventSeverity: 'warning' },
  );
});

test("readings: enms-simulator records of two machines give enms' events per machine", async () => {
  const payload = [...records('press-1', true), ...records('press-2', false)];
  const msg = { payload, training: TRAINING, detection: DETECTION };
  const inputs = detectInputsOf(msg);
  assert.deepStrictEqual(inputs.map((i) => i.machineId), ['press-1', 'press-2']);
  const events = await detectPayload(enms, msg, {});
  const expected = [];
  for (const input of inputs) expected.push(...(await enms.detectAnomalies(input)));
  assert.deepStrictEqual(events.map(strip), expected);
  assert.ok(events.length >= 1);
  // the fault's hours (the readings interpolate linearly into the hour before: it may be flagged too)
  const fault = events.find((e) => e.machineId === 'press-1' && e.start <= FAULT.start && e.end >= FAULT.end);
  assert.ok(fault, JSON.stringify(events));
  assert.equal(fault.severity, 'critical');
  assert.equal(fault.features[0], 'energy_kwh');
  assert.equal(fault.startIso, new Date(fault.start).toISOString());
  assert.ok(!events.some((e) => e.machineId === 'press-2' && e.start >= FAULT.start && e.start < FAULT.end));
  // one machine's columns, ranges in the payload, machine from the topic
  const one = records('press-1', true).filter((r) => 'powerKw' in r);
  const columns = {
    power: { ts: one.map((r) => r.ts), powerKw: one.map((r) => r.powerKw) },
    production: { ts: inputs[0].production.ts, values: inputs[0].production.values },
    training: TRAINING,
    detection: DETECTION,
  };
  const same = await detectPayload(enms, { topic: 'press-1', payload: columns }, {});
  assert.deepStrictEqual(same, events.filter((e) => e.machineId === 'press-1'));
  // no ranges, nothing to judge
  assert.throws(() => detectInputsOf({ payload }), (e) => e.code === 'ENMS_INVALID_PARAMETER' && e.field === 'training');
  assert.throws(() => detectInputsOf({ payload: [{ a: 1 }], training: TRAINING, detection: DETECTION }), (e) => e.field === 'payload');
});

test("residuals: records and columns give enms' sigma rule merged into events", () => {
  const T0 = Date.parse('2025-01-06T00:00:00Z');
  const residuals = Array.from({ length: 200 }, (_, i) => (i === 150 || i === 151 ? 10 : i % 2 ? -1 : 1));
  const ts = residuals.map((_, i) => T0 + i * 900e3);
  const settings = { rule: { warningSigma: 2 }, maxGap: 1, periodS: 900 };
  const fromRecords = residualEvents(enms, { topic: 'pump-2', payload: ts.map((t, i) => ({ ts: t, residual: residuals[i] })) }, settings);
  const fromColumns = residualEvents(enms, { payload: { machineId: 'pump-2', ts, residuals } }, settings);
  assert.deepStrictEqual(fromRecords, fromColumns);
  const { severity, z } = enms.sigmaFlags(residuals, { warningSigma: 2 });
  const expected = enms.mergeEvents({ machineId: 'pump-2', ts, periodS: 900, severity, scores: z }, { maxGap: 1 });
  assert.deepStrictEqual(fromRecords.map(strip), expected);
  assert.equal(expected.length, 1);
  assert.equal(expected[0].start, ts[150]);
  assert.equal(residualsOf({ payload: { ts, values: residuals, periodS: 60 } }, 900).periodS, 60);
  assert.throws(() => residualEvents(enms, { payload: { ts, residuals } }, {}), (e) => e.field === 'period_s');
  assert.throws(() => residualsOf({ payload: 7 }), (e) => e.field === 'payload');
});
