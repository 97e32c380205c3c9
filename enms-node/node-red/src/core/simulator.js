'use strict';
/**
 * The factory simulator on a timer: an enms `SimulatorSession` with a real-time clock
 * (`speed` simulated seconds per wall second, enms' `RealtimeClock`), polled every `intervalMs`.
 * Each poll returns the readings and production rows that fell due since the last one, as the
 * messages the node sends.
 */

/** Machine ids from the editor's comma-separated list (empty: all machines of the plant). */
function parseMachineList(text) {
  const ids = String(text || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return ids.length ? ids : undefined;
}

class TimedSimulator {
  /**
   * @param {object} enms the `enms` addon
   * @param {{seed: number, machines?: string[], speed: number, start?: number|string}} options
   *   `start`: first simulated instant (ms or RFC 3339); the wall clock's now when absent.
   */
  constructor(enms, options) {
    this.session = new enms.SimulatorSession(
      { seed: options.seed, machines: options.machines, speed: options.speed },
      options.start ?? Date.now(),
    );
    this.machines = this.session.machines;
  }

  /** The messages of one poll: `[readingsMsg | null, productionMsg | null]`. */
  poll() {
    const rec = this.session.advanceToNow();
    const now = this.session.now;
    const readings = rec.energyReadings.length
      ? { topic: 'energy_readings', payload: rec.energyReadings, machines: this.machines, simTime: now }
      : null;
    const production = rec.production.length
      ? { topic: 'production_data', payload: rec.production, machines: this.machines, simTime: now }
      : null;
    return [readings, production, rec.events];
  }
}

/**
 * Hourly energy of each machine over the `days` before `end` (ms), simulated with the same seed
 * and plant off the main thread: what a forecast or a baseline needs before the real-time stream
 * has produced any history. One message per machine, `{ topic: machineId, payload: { ts, y },
 * machine, unit: 'kWh' }`, `ts` the hours' starts (ms), `y` their energy (kWh; NaN for an hour the
 * meter covered for less than 90 %), hours of the factory's time zone.
 */
async function historyMessages(enms, { seed, machines, days, end }) {
  const span = Number(days) * 86400e3;
  if (!(span > 0)) return [];
  const sim = await enms.simulate({ seed, machines, start: end - span, end });
  const tz = sim.factory.timezone;
  const out = [];
  for (const t of sim.energyReadings) {
    const r = await enms.rollup({ ts: t.ts, powerKw: t.powerKw }, { width: '1h', timezone: tz, range: { start: sim.start, end: sim.end } });
    const machine = sim.machines.find((m) => m.id === t.machineId);
    // an hour the meter covered for less than 90 % has no energy to learn from
    const y = Array.from(r.energyKwh, (e, i) => (r.coveredS[i] >= 0.9 * ((r.end[i] - r.start[i]) / 1000) ? e : NaN));
    out.push({ topic: t.machineId, payload: { ts: Array.from(r.start), y }, machine, unit: 'kWh' });
  }
  return out;
}

module.exports = { TimedSimulator, parseMachineList, historyMessages };
