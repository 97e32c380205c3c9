// Shared helpers of the addon tests: the built addon, the simulated week, event-loop turns during a
// Promise, the assertion of an enms Error, and the Rust shape of a KPI report (to compare with
// `enms-sim kpis --json`).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const enms = require('../index.js');

// The week every face is checked on: seed 42, from Monday 2025-01-06 00:00 in Europe/Berlin
// (the demo factory's zone; local dates as `enms-sim kpis --start 2025-01-06 --days 7`), 7 days.
export const WEEK = { seed: 42, start: '2025-01-06', end: '2025-01-13' };

/** KPI report inputs of a simulation: each machine with its readings and production. */
export function machineInputs(sim) {
  return sim.machines.map((machine, i) => {
    const p = sim.production.find((t) => t.machineId === machine.id);
    return {
      machine,
      readings: sim.energyReadings[i],
      production: p ? { ts: p.ts, values: p.productionCount } : undefined,
    };
  });
}

/**
 * Awaits `promise` while counting turns of the event loop: more than zero shows the work ran off
 * the main thread (no timing assertions).
 */
export async function ticksDuring(promise) {
  let ticks = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    ticks++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const value = await promise;
  done = true;
  return { ticks, value };
}

/**
 * Asserts that `fn` throws an enms `Error` with `code`, `field` (not checked when `undefined`;
 * `null` when the error names none) and a message matching `message`.
 */
export function throwsEnms(fn, code, field, message) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, 'an Error');
    assert.equal(typeof e.message, 'string');
    assert.equal(e.code, code, e.message);
    if (field !== undefined) assert.equal(e.field, field, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

const us = (ms) => ms * 1000;
const nul = (v) => (v === undefined ? null : v);

function peak(p) {
  if (p == null) return null;
  const method =
    p.method === 'rolling' ? { kind: 'rolling', step_minutes: p.stepMinutes } : { kind: p.method };
  return {
    peak_demand_kw: p.peakDemandKw,
    start: us(p.start),
    end: us(p.end),
    energy_kwh: p.energyKwh,
    coverage: p.coverage,
    options: { window_minutes: p.windowMinutes, method },
  };
}

function cost(c) {
  if (c == null) return null;
  return {
    currency: c.currency,
    energy_kwh: c.energyKwh,
    by_period: c.byPeriod.map((p) => ({ name: p.name, energy_kwh: p.energyKwh, cost: p.cost })),
    demand: c.demand.map((d) => ({
      name: d.name,
      billing_period_start: us(d.billingPeriodStart),
      billing_period_end: us(d.billingPeriodEnd),
      peak_demand_kw: d.peakDemandKw,
      peak_start: us(d.peakStart),
      rate_per_kw: d.ratePerKw,
      cost: d.cost,
    })),
    fixed: c.fixed.map((f) => ({ name: f.name, quantity: f.quantity, cost: f.cost })),
    energy_cost: c.energyCost,
    demand_cost: c.demandCost,
    fixed_cost: c.fixedCost,
    total_cost: c.totalCost,
  };
}

function carrier(c) {
  return {
    carrier: c.carrier,
    energy_kwh: c.energyKwh,
    peak_demand: peak(c.peakDemand),
    load_factor: nul(c.loadFactor),
    carbon_kg: c.carbonKg,
    cost: cost(c.cost),
  };
}

/** A JS KPI report in the shape (and time unit) of enms-core's JSON. */
export function rustShape(r) {
  return {
    range: { start: us(r.range.start), end: us(r.range.end) },
    machines: r.machines.map((m) => ({
      machine_id: m.machineId,
      factory_id: m.factoryId,
      machine_type: m.machineType,
      carrier: m.carrier,
      energy_kwh: m.energyKwh,
      mean_power_kw: m.meanPowerKw,
      peak_demand: peak(m.peakDemand),
      max_instantaneous_power_kw: m.maxInstantaneousPowerKw,
      max_instantaneous_at: us(m.maxInstantaneousAt),
      load_factor: nul(m.loadFactor),
      production: nul(m.production),
      sec_kwh_per_unit: nul(m.secKwhPerUnit),
      carbon_kg: m.carbonKg,
      energy_cost: nul(m.energyCost),
      reactive_kvarh: nul(m.reactiveKvarh),
      power_factor: nul(m.powerFactor),
      coverage: m.coverage,
    })),
    factories: r.factories.map((f) => ({
      factory_id: f.factoryId,
      machine_count: f.machineCount,
      by_carrier: f.byCarrier.map(carrier),
      carbon_kg: f.carbonKg,
    })),
    total_by_carrier: r.totalByCarrier.map(carrier),
    total_carbon_kg: r.totalCarbonKg,
  };
}
