'use strict';
/**
 * Shapes of the messages the enms nodes exchange. A reading is an `enms` EnergyRecord
 * (`{ ts, machineId, powerKw, ... }`, `ts` in ms since the epoch); a production row is a
 * ProductionRecord (`{ ts, machineId, productionCount, ... }`). A message carries one record or
 * an array of them in `msg.payload`.
 */

/** The records of a payload, as an array (a single record becomes a one-element array). */
function asRecords(payload) {
  if (Array.isArray(payload)) return payload;
  if (payload && typeof payload === 'object') return [payload];
  return [];
}

/** Whether a record is an energy reading. */
function isReading(r) {
  return r != null && typeof r.machineId === 'string' && 'powerKw' in r;
}

/** Whether a record is a production row. */
function isProduction(r) {
  return r != null && typeof r.machineId === 'string' && 'productionCount' in r;
}

/**
 * Splits a payload into readings, production rows, and the rest (records of neither shape,
 * reported back so a node can warn about them).
 */
function split(payload) {
  const readings = [];
  const production = [];
  const other = [];
  for (const r of asRecords(payload)) {
    if (isReading(r)) readings.push(r);
    else if (isProduction(r)) production.push(r);
    else other.push(r);
  }
  return { readings, production, other };
}

module.exports = { asRecords, isReading, isProduction, split };
