'use strict';
/**
 * The core's anomaly test plant (enms-core src/anomaly/detect.rs `plant()`, the same generator):
 * five weeks of an hourly machine from Monday 2025-01-06 00:00 UTC with a weekly pattern,
 * production and noise, and a fault of six hours (+40 % energy) at hours 4 * 168 + 30 .. + 36
 * (when `fault` is true). As enms-simulator records: a power reading every 5 minutes (the longest gap enms integrates by default) at the
 * hour's energy, production rows labelled by the hour's end.
 */
const HOUR = 3600e3;
const T0 = Date.parse('2025-01-06T00:00:00Z');
const TRAINING = { start: T0, end: T0 + 4 * 168 * HOUR };
const DETECTION = { start: T0 + 4 * 168 * HOUR, end: T0 + 5 * 168 * HOUR };
const FAULT = { start: T0 + (4 * 168 + 30) * HOUR, end: T0 + (4 * 168 + 36) * HOUR };

function plant(fault = true) {
  const n = 5 * 168;
  let state = 12345n;
  const noise = () => {
    state = (state * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number(state >> 11n) / 2 ** 53 - 0.5;
  };
  const ts = [];
  const energy = [];
  const production = [];
  for (let i = 0; i < n; i++) {
    const h = i % 168;
    const working = h < 120 && h % 24 >= 6 && h % 24 < 22;
    const p = working ? 100 + 20 * noise() : 0;
    const t = 5 + 3 * Math.sin(i / 24);
    let e = 20 + 0.5 * p - 0.4 * t + 2 * noise();
    if (fault && i >= 4 * 168 + 30 && i < 4 * 168 + 36) e *= 1.4;
    ts.push(T0 + i * HOUR);
    energy.push(e);
    production.push(p);
  }
  return { ts, energy, production };
}

/** The plant as enms-simulator records of machine `machineId`. */
function records(machineId, fault = true) {
  const p = plant(fault);
  const out = [];
  p.ts.forEach((t, i) => {
    for (let k = 0; k < 12; k++) out.push({ ts: t + k * 300e3, machineId, powerKw: p.energy[i] });
    out.push({ ts: t + HOUR, machineId, productionCount: p.production[i] });
  });
  out.push({ ts: DETECTION.end, machineId, powerKw: p.energy[p.energy.length - 1] });
  return out;
}

module.exports = { HOUR, T0, TRAINING, DETECTION, FAULT, plant, records };
