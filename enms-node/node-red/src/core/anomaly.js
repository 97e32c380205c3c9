'use strict';
/**
 * The enms-anomaly node's logic, without Node-RED: the settings of the node as enms options, a
 * message payload as enms input, and the events as plain JSON-friendly objects. Two inputs:
 *
 * - **readings**: one machine's power readings (with production and process quantities) over a
 *   reference period and a period to judge -> `enms.detectAnomalies` (enms-core's one-call
 *   pipeline: features per bucket, an expectation per monitored column, sigma rules, events);
 *   an array of enms-simulator records is split per machine;
 * - **residuals**: residuals of a baseline (`actual - expected`) per period ->
 *   `enms.sigmaFlags` and `enms.mergeEvents`.
 *
 * Every model, default and check is enms' (the `enms` package, enms-core inside): a setting left
 * empty is left out.
 */
const { split } = require('./records');

const given = (v) => v !== '' && v != null;
const num = (v) => (given(v) ? Number(v) : undefined);

function bad(field, message) {
  const err = new Error(message);
  err.code = 'ENMS_INVALID_PARAMETER';
  err.field = field;
  return err;
}

/** Drops the undefined fields of an options object (so enms' defaults apply). */
function compact(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * enms SigmaRuleOptions from the node's settings: `window`, `minPeriods`, `warningSigma`,
 * `criticalSigma`, `fixedSigma` (a number or `rolling`); empty ones are left out.
 */
function ruleOf(config = {}) {
  const rule = compact({
    window: num(config.window),
    minPeriods: num(config.minPeriods),
    warningSigma: num(config.warningSigma),
    criticalSigma: num(config.criticalSigma),
    fixedSigma: given(config.fixedSigma)
      ? String(config.fixedSigma).trim() === 'rolling'
        ? 'rolling'
        : Number(config.fixedSigma)
      : undefined,
  });
  return Object.keys(rule).length ? rule : undefined;
}

/**
 * enms DetectOptions from the node's settings: `timezone`, `periodS`, the sigma rule, `maxGap`,
 * `minEventSeverity`, and `options` (a JSON object of further DetectOptions in enms' camelCase).
 */
function detectOptionsOf(config = {}) {
  const extra = given(config.options)
    ? typeof config.options === 'string'
      ? JSON.parse(config.options)
      : config.options
    : {};
  return compact({
    ...extra,
    timezone: given(config.timezone) ? String(config.timezone).trim() : extra.timezone,
    periodS: num(config.periodS) ?? extra.periodS,
    sigma: ruleOf(config) ?? extra.sigma,
    maxGap: num(config.maxGap) ?? extra.maxGap,
    minEventSeverity: given(config.minEventSeverity) ? config.minEventSeverity : extra.minEventSeverity,
  });
}

/** A time range from a message (`{ start, end }`, ms or RFC 3339). */
function rangeOf(r, field) {
  if (r && typeof r === 'object' && given(r.start) && given(r.end)) return { start: r.start, end: r.end };
  throw bad(field, `${field}: expected { start, end } (ms or RFC 3339)`);
}

/**
 * DetectInputs of a message: `msg.payload` is one machine's input (`{ machineId?, power?,
 * production?, quantities?, counts?, features? }` as enms' DetectInput) or an array of
 * enms-simulator records (energy readings and production rows, split per machine); `training`
 * and `detection` come from the payload or the message.
 */
function detectInputsOf(msg) {
  const p = msg.payload;
  const fromPayload = p && !Array.isArray(p) && typeof p === 'object';
  const training = rangeOf((fromPayload && p.training) || msg.training, 'training');
  const detection = rangeOf((fromPayload && p.detection) || msg.detection, 'detection');
  if (fromPayload && (p.power || p.features)) {
    const machineId = p.machineId ?? (typeof msg.topic === 'string' && msg.topic ? msg.topic : 'machine');
    return [{ ...p, machineId, training, detection }];
  }
  if (!Array.isArray(p)) throw bad('payload', 'payload: expected { power, ... } or { features } of one machine, or an array of readings');
  const { readings, production } = split(p);
  const machines = new Map();
  const of = (id) => {
    if (!machines.has(id)) machines.set(id, { ts: [], powerKw: [], prodTs: [], prod: [] });
    return machines.get(id);
  };
  for (const r of readings) {
    const m = of(r.machineId);
    m.ts.push(r.ts);
    m.powerKw.push(r.powerKw);
  }
  for (const r of production) {
    const m = of(r.machineId);
    m.prodTs.push(r.ts);
    m.prod.push(r.productionCount);
  }
  const out = [];
  for (const [machineId, m] of machines) {
    if (!m.ts.length) continue;
    const input = { machineId, training, detection, power: { ts: m.ts, powerKw: m.powerKw } };
    if (m.prodTs.length) input.production = { ts: m.prodTs, values: m.prod };
    out.push(input);
  }
  if (!out.length) throw bad('payload', 'payload: no energy readings ({ ts, machineId, powerKw }) in the array');
  return out;
}

/**
 * Residuals of a message: columns `{ ts, residuals, periodS?, machineId?, featureZ? }` (or
 * `values` for `residuals`), or an array of records `{ ts, residual }` in time order.
 */
function residualsOf(msg, periodS) {
  const p = msg.payload;
  const topic = typeof msg.topic === 'string' && msg.topic ? msg.topic : 'machine';
  if (Array.isArray(p)) {
    return {
      machineId: topic,
      ts: p.map((r) => r.ts),
      residuals: p.map((r) => (r.residual == null ? NaN : Number(r.residual))),
      periodS,
      featureZ: undefined,
    };
  }
  if (p && typeof p === 'object' && p.ts) {
    return {
      machineId: p.machineId ?? topic,
      ts: p.ts,
      residuals: p.residuals ?? p.values,
      periodS: p.periodS ?? periodS,
      featureZ: p.featureZ,
    };
  }
  throw bad('payload', 'payload: expected { ts, residuals } columns or an array of { ts, residual } records');
}

/** An event as plain JSON (times in ms and as RFC 3339 text, for dashboards and debug). */
function plain(e) {
  return { ...e, startIso: new Date(e.start).toISOString(), endIso: new Date(e.end).toISOString() };
}

/** Events of a message of readings, off the main thread (one machine after another). */
async function detectPayload(enms, msg, options) {
  const events = [];
  for (const input of detectInputsOf(msg)) {
    for (const e of await enms.detectAnomalies(input, options)) events.push(plain(e));
  }
  return events;
}

/** Events of a message of residuals: enms' sigma rule, then its merging into events. */
function residualEvents(enms, msg, settings) {
  const r = residualsOf(msg, settings.periodS);
  if (!given(r.periodS)) throw bad('period_s', 'periodS: the length of a period (seconds) is needed to merge residuals into events');
  const { severity, z } = enms.sigmaFlags(r.residuals, settings.rule);
  const merge = compact({ maxGap: settings.maxGap });
  return enms
    .mergeEvents({ machineId: r.machineId, ts: r.ts, periodS: Number(r.periodS), severity, scores: z, featureZ: r.featureZ }, merge)
    .map(plain);
}

module.exports = { ruleOf, detectOptionsOf, detectInputsOf, residualsOf, residualEvents, detectPayload, plain };
