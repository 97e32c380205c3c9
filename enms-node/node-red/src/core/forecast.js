'use strict';
/**
 * The enms-forecast node's logic, without Node-RED: the model spec from the node's settings, a
 * series from a message payload, and the forecast as plain JSON-friendly arrays. Every model,
 * default and check is enms' (the `enms` package, enms-core inside).
 */

const list = (text) =>
  String(text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const given = (v) => v !== '' && v != null;

/**
 * enms-core's ForecastSpec from the node's settings: `model` (`auto`, `seasonal`, ...),
 * `timeZone` and `holidays` (a comma-separated list of `YYYY-MM-DD`) for the seasonal model's
 * calendar, and `options` (a JSON object of further model options in enms' snake_case form).
 * Settings left empty are left out, so enms' defaults apply.
 */
function specOf(config = {}) {
  const spec = { model: config.model || 'auto' };
  if (given(config.options)) {
    const extra = typeof config.options === 'string' ? JSON.parse(config.options) : config.options;
    Object.assign(spec, extra, { model: spec.model });
  }
  const calendar = { ...(spec.calendar || {}) };
  if (given(config.timeZone)) calendar.time_zone = String(config.timeZone).trim();
  const holidays = list(config.holidays);
  if (holidays.length) calendar.holidays = holidays;
  if (Object.keys(calendar).length) spec.calendar = calendar;
  return spec;
}

/** Interval levels from a comma-separated list (`0.8, 0.95`); empty: enms' defaults. */
function levelsOf(text) {
  const l = list(text).map(Number);
  return l.length ? l : null;
}

/**
 * A series from a payload: columns `{ ts, y, regressors?, futureRegressors? }` (or `values` for
 * `y`), or an array of records `{ ts, [target]: number, ...regressors }` in time order (the
 * regressors named by `regressors`; enms-rollup's rows, with `start` for `ts`, joined into an
 * array, are such records with the target `energyKwh`). `ts` in ms or RFC 3339.
 */
function seriesOf(payload, target = 'y', regressors = []) {
  if (Array.isArray(payload)) {
    // enms-rollup's rows carry their bucket's `start` instead of `ts`
    const ts = payload.map((r) => r.ts ?? r.start);
    const y = payload.map((r) => (r[target] == null ? NaN : Number(r[target])));
    const regs = {};
    for (const name of regressors) regs[name] = payload.map((r) => Number(r[name]));
    return { ts, y, regressors: regressors.length ? regs : null, futureRegressors: null };
  }
  if (payload && typeof payload === 'object' && payload.ts) {
    const y = payload.y ?? payload.values ?? payload[target];
    return {
      ts: payload.ts,
      y: Array.isArray(y) ? y.map((v) => (v == null ? NaN : v)) : y,
      regressors: payload.regressors ?? null,
      futureRegressors: payload.futureRegressors ?? null,
    };
  }
  const err = new Error('payload: expected { ts, y } columns or an array of { ts, value } records');
  err.code = 'ENMS_INVALID_PARAMETER';
  err.field = 'payload';
  throw err;
}

/** A forecast with plain arrays (what a debug node, a chart or JSON shows), and the model. */
function plain(forecast, model) {
  return {
    model: model.description,
    ts: Array.from(forecast.ts),
    mean: Array.from(forecast.mean),
    intervals: forecast.intervals.map((i) => ({ level: i.level, lower: Array.from(i.lower), upper: Array.from(i.upper) })),
  };
}

/** Fits and forecasts a payload's series off the main thread; resolves with the plain forecast. */
async function forecastPayload(enms, payload, settings) {
  const { target, regressors, horizon, levels, spec } = settings;
  const s = seriesOf(payload, target, regressors || []);
  const model = await enms.fitForecaster(s.ts, s.y, s.regressors, spec, horizon);
  const f = await model.forecast(horizon, s.futureRegressors, levels);
  return plain(f, model);
}

module.exports = { specOf, levelsOf, seriesOf, plain, forecastPayload, list };
