'use strict';
/**
 * KPIs per window of a reading stream: readings and production rows of several machines arrive
 * in time order; when a window (a bucket of `window` width from enms' `bucketOf`, e.g. `1h`, `1d`)
 * is complete, enms computes the whole KPI report over it (`kpiReportSync` with the window as
 * range: energy, peak demand, load factor, SEC, carbon, cost, power factor, per machine, factory
 * and in total). This module only keeps the buffers and decides when a window is complete:
 *
 * - when every machine seen in the window has a reading at or after its end (so the last interval
 *   of each machine is integrated up to the window's end), or
 * - when readings have reached the end of the following window (a machine that stopped sending
 *   does not hold the report back for more than one window).
 */
const { lowerBound, upperBound } = require('./rollup');

class WindowedKpis {
  /**
   * @param {object} enms the `enms` addon
   * @param {{window: string, timezone?: string, settings?: object, machineDefaults?: object}} options
   *   `settings` are enms KpiSettings without `range`; `machineDefaults` describes machines whose
   *   metadata never arrived (`{ factoryId, machineType, carrier }`).
   */
  constructor(enms, options) {
    this.enms = enms;
    this.window = options.window;
    this.timezone = options.timezone || null;
    this.settings = options.settings || {};
    this.machineDefaults = options.machineDefaults || {};
    /** machineId -> Machine metadata */
    this.meta = new Map();
    /** machineId -> { ts, powerKw, reactive, prodTs, prod } */
    this.buffers = new Map();
    this.current = null; // { start, end }
    this.latest = -Infinity;
    this.late = 0;
    enms.bucketOf(0, this.window, this.timezone); // enms validates the width and zone
  }

  /** Learns machine metadata (e.g. `msg.machines` of the enms-simulator node). */
  learnMachines(machines) {
    for (const m of machines || []) if (m && m.id) this.meta.set(m.id, m);
  }

  machine(id) {
    const m = this.meta.get(id);
    if (m) return m;
    const d = this.machineDefaults;
    return {
      id,
      factoryId: d.factoryId,
      name: id,
      machineType: d.machineType,
      ratedPowerKw: d.ratedPowerKw,
      carrier: d.carrier,
      intervalS: d.intervalS,
    };
  }

  buffer(id) {
    let b = this.buffers.get(id);
    if (!b) {
      b = { ts: [], powerKw: [], reactive: [], prodTs: [], prod: [] };
      this.buffers.set(id, b);
    }
    return b;
  }

  /**
   * Adds readings (`{ ts, machineId, powerKw, reactiveEnergyKvarh? }`) and production rows
   * (`{ ts, machineId, productionCount }`); returns the reports of the windows they completed, as
   * `{ window: { start, end }, report }`.
   */
  push(readings, production = []) {
    for (const r of readings) {
      const b = this.buffer(r.machineId);
      const last = b.ts.length ? b.ts[b.ts.length - 1] : -Infinity;
      if (!(r.ts > last) || (this.current && r.ts < this.current.start)) {
        this.late++;
        continue;
      }
      if (!this.current) this.current = this.enms.bucketOf(r.ts, this.window, this.timezone);
      b.ts.push(r.ts);
      b.powerKw.push(r.powerKw);
      b.reactive.push(r.reactiveEnergyKvarh ?? NaN);
      if (r.ts > this.latest) this.latest = r.ts;
    }
    for (const p of production) {
      const b = this.buffer(p.machineId);
      const last = b.prodTs.length ? b.prodTs[b.prodTs.length - 1] : -Infinity;
      if (!(p.ts > last)) {
        this.late++;
        continue;
      }
      b.prodTs.push(p.ts);
      b.prod.push(p.productionCount);
    }
    const out = [];
    while (this.current && this.complete()) out.push(this.close());
    return out;
  }

  /**
   * Reports the open window(s) up to the latest reading now, complete or not (e.g. at the end of
   * a replay); returns them as `push` does.
   */
  flush() {
    const out = [];
    while (this.current && this.current.start <= this.latest) out.push(this.close());
    return out;
  }

  complete() {
    const { end } = this.current;
    if (this.latest < end) return false;
    const next = this.enms.bucketOf(end, this.window, this.timezone);
    if (this.latest >= next.end) return true;
    for (const b of this.buffers.values()) {
      const inWindow = b.ts.length && b.ts[0] < end;
      if (inWindow && b.ts[b.ts.length - 1] < end) return false;
    }
    return true;
  }

  inputs() {
    const { start, end } = this.current;
    const inputs = [];
    for (const [id, b] of this.buffers) {
      // readings up to the first one at or after the window's end
      const hi = Math.min(b.ts.length, lowerBound(b.ts, end) + 1);
      const lo = Math.max(0, lowerBound(b.ts, start) - 1);
      if (hi - lo < 1 || b.ts[lo] >= end || b.ts[hi - 1] < start) continue;
      const reactive = b.reactive.slice(lo, hi);
      const input = {
        machine: this.machine(id),
        readings: {
          ts: Float64Array.from(b.ts.slice(lo, hi)),
          powerKw: Float64Array.from(b.powerKw.slice(lo, hi)),
          reactiveEnergyKvarh: Float64Array.from(reactive),
        },
      };
      if (b.prodTs.length) {
        input.production = { ts: Float64Array.from(b.prodTs), values: Float64Array.from(b.prod) };
      }
      inputs.push(input);
    }
    return inputs;
  }

  close() {
    const window = { start: this.current.start, end: this.current.end };
    const inputs = this.inputs();
    let result;
    if (inputs.length) {
      const report = this.enms.kpiReportSync(inputs, { ...this.settings, range: window });
      result = { window, report };
    } else {
      result = { window, report: null };
    }
    // keep what the next window needs: the last reading before its start, later production
    for (const b of this.buffers.values()) {
      const k = Math.max(0, lowerBound(b.ts, window.end) - 1);
      b.ts.splice(0, k);
      b.powerKw.splice(0, k);
      b.reactive.splice(0, k);
      const j = upperBound(b.prodTs, window.end); // rows ending at the window's end belong to it
      b.prodTs.splice(0, j);
      b.prod.splice(0, j);
    }
    this.current = this.enms.bucketOf(window.end, this.window, this.timezone);
    return result;
  }
}

module.exports = { WindowedKpis };
