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

module.exports = { TimedSimulator, parseMachineList };
