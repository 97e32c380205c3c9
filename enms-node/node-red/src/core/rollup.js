'use strict';
/**
 * Streaming rollup: readings of several machines arrive in time order, in any batch size; each
 * bucket of a machine is rolled up by enms (`rollupSync`: trapezoidal energy, coverage, gaps) once
 * a reading after its end has arrived, so the interval crossing its end is integrated exactly as
 * in a rollup of the whole series. Bucket boundaries come from enms (`bucketOf`); this module only
 * keeps the buffers.
 */

/** Index of the first element of sorted `arr` that is >= `x`. */
function lowerBound(arr, x) {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of sorted `arr` that is > `x`. */
function upperBound(arr, x) {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class StreamingRollup {
  /**
   * @param {object} enms the `enms` addon
   * @param {{width: string, timezone?: string, maxGapS?: number}} options
   */
  constructor(enms, options) {
    this.enms = enms;
    this.width = options.width;
    this.timezone = options.timezone || null;
    this.maxGapS = options.maxGapS;
    /** machineId -> { ts: number[], powerKw: number[], emittedUntil: number | null } */
    this.machines = new Map();
    /** Readings dropped because they came after a later reading of the same machine. */
    this.late = 0;
    // Validate the options once, with enms' own rules (throws an enms Error with a code).
    enms.bucketOf(0, this.width, this.timezone);
  }

  state(machineId) {
    let s = this.machines.get(machineId);
    if (!s) {
      s = { ts: [], powerKw: [], emittedUntil: null };
      this.machines.set(machineId, s);
    }
    return s;
  }

  bucket(ts) {
    return this.enms.bucketOf(ts, this.width, this.timezone);
  }

  rows(machineId, s, start, end) {
    const r = this.enms.rollupSync(
      { ts: Float64Array.from(s.ts), powerKw: Float64Array.from(s.powerKw) },
      { width: this.width, timezone: this.timezone ?? undefined, maxGapS: this.maxGapS, range: { start, end } },
    );
    const out = [];
    for (let i = 0; i < r.start.length; i++) {
      out.push({
        machineId,
        start: r.start[i],
        end: r.end[i],
        width: r.width,
        sampleCount: r.sampleCount[i],
        energyKwh: r.energyKwh[i],
        meanPowerKw: Number.isNaN(r.meanPowerKw[i]) ? null : r.meanPowerKw[i],
        minPowerKw: Number.isNaN(r.minPowerKw[i]) ? null : r.minPowerKw[i],
        maxPowerKw: Number.isNaN(r.maxPowerKw[i]) ? null : r.maxPowerKw[i],
        coverage: r.coverage[i],
        hasGap: r.hasGap[i],
      });
    }
    return out;
  }

  /** Keeps the readings from the last one before `t` on (it starts the interval crossing `t`). */
  prune(s, t) {
    const k = Math.max(0, lowerBound(s.ts, t) - 1);
    if (k > 0) {
      s.ts.splice(0, k);
      s.powerKw.splice(0, k);
    }
  }

  /**
   * Adds readings (`{ ts, machineId, powerKw }`) and returns the rows of the buckets they closed,
   * in time order per machine.
   */
  push(readings) {
    const touched = new Set();
    for (const r of readings) {
      const s = this.state(r.machineId);
      const last = s.ts.length ? s.ts[s.ts.length - 1] : -Infinity;
      if (!(r.ts > last) || (s.emittedUntil !== null && r.ts < s.emittedUntil)) {
        this.late++;
        continue;
      }
      s.ts.push(r.ts);
      s.powerKw.push(r.powerKw);
      touched.add(r.machineId);
    }
    const out = [];
    for (const id of touched) {
      const s = this.machines.get(id);
      const open = this.bucket(s.ts[s.ts.length - 1]);
      const from = s.emittedUntil ?? this.bucket(s.ts[0]).start;
      if (from < open.start) {
        out.push(...this.rows(id, s, from, open.start));
        s.emittedUntil = open.start;
        this.prune(s, open.start);
      }
    }
    return out;
  }

  /** Rolls up the open bucket of every machine (partial buckets) and returns its rows. */
  flush() {
    const out = [];
    for (const [id, s] of this.machines) {
      if (!s.ts.length) continue;
      const end = this.bucket(s.ts[s.ts.length - 1]).end;
      const from = s.emittedUntil ?? this.bucket(s.ts[0]).start;
      if (from < end) {
        out.push(...this.rows(id, s, from, end));
        s.emittedUntil = end;
        this.prune(s, end);
      }
    }
    return out;
  }
}

module.exports = { StreamingRollup, lowerBound, upperBound };
