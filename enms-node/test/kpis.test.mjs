// The Node face computes the same KPIs as Rust on the same simulated week: the report of the
// addon (simulated in JS, columns passed back in) equals, number for number, the report printed by
// `enms-sim kpis --json` (the Rust binary, path in ENMS_SIM_BIN, set by scripts/test-node.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { enms, WEEK, machineInputs, rustShape } from './helpers.mjs';

const SIM = process.env.ENMS_SIM_BIN;

function rustReport(settings) {
  assert.ok(SIM, 'ENMS_SIM_BIN must name the enms-sim binary (scripts/test-node.sh sets it)');
  const args = ['kpis', '--start', '2025-01-06', '--days', '7', '--seed', '42', '--json'];
  if (settings) {
    const dir = mkdtempSync(join(tmpdir(), 'enms-node-'));
    const path = join(dir, 'settings.json');
    writeFileSync(path, JSON.stringify(settings));
    args.push('--settings', path);
  }
  return JSON.parse(execFileSync(SIM, args, { maxBuffer: 64 << 20 }).toString());
}

const sim = await enms.simulate(WEEK);

test('the simulated week is the one the Rust CLI simulates', () => {
  assert.equal(sim.factory.timezone, 'Europe/Berlin');
  assert.equal(sim.start, Date.parse('2025-01-05T23:00:00Z'));
  assert.equal(sim.end - sim.start, 7 * 24 * 3600 * 1000);
  assert.equal(sim.machines.length, 6);
  assert.ok(sim.energyReadings.every((t) => t.ts.length > 1000));
});

test('KPI report equals enms-sim kpis --json (default settings)', async () => {
  const js = await enms.kpiReport(machineInputs(sim));
  const rust = rustReport(null);
  assert.deepStrictEqual(rustShape(js), rust);
  // and the sync variant gives the same numbers
  assert.deepStrictEqual(rustShape(enms.kpiReportSync(machineInputs(sim))), rust);
});

test('KPI report equals Rust with a TOU tariff, 30-minute demand and own carbon factors', async () => {
  const factors = { ...enms.defaultCarbonFactors(), electricity: 0.38 };
  const tariffJs = {
    name: 'tou-demo',
    currency: 'EUR',
    timezone: 'Europe/Berlin',
    holidays: ['2025-01-06'],
    versions: [
      {
        validFrom: '2024-01-01',
        baseRatePerKwh: 0.21,
        periods: [
          { name: 'peak', ratePerKwh: 0.32, dayTypes: ['weekday'], start: '08:00:00', end: '20:00:00' },
          { name: 'night', ratePerKwh: 0.15, start: '22:00:00', end: '06:00:00' },
        ],
        demandCharges: [{ name: 'demand', ratePerKw: 9.5 }],
        fixedCharges: [{ name: 'meter', amount: 1.2, per: 'day' }],
      },
    ],
  };
  const tariffRust = {
    name: 'tou-demo',
    currency: 'EUR',
    timezone: 'Europe/Berlin',
    holidays: ['2025-01-06'],
    versions: [
      {
        valid_from: '2024-01-01',
        base_rate_per_kwh: 0.21,
        periods: [
          { name: 'peak', rate_per_kwh: 0.32, day_types: ['weekday'], start: '08:00:00', end: '20:00:00' },
          { name: 'night', rate_per_kwh: 0.15, start: '22:00:00', end: '06:00:00' },
        ],
        demand_charges: [{ name: 'demand', rate_per_kw: 9.5 }],
        fixed_charges: [{ name: 'meter', amount: 1.2, per: 'day' }],
      },
    ],
  };
  const js = await enms.kpiReport(machineInputs(sim), {
    timezone: 'Europe/Berlin',
    maxGapS: 300,
    demand: { windowMinutes: 30 },
    carbonFactors: factors,
    tariff: tariffJs,
  });
  const rust = rustReport({
    range: null,
    timezone: 'Europe/Berlin',
    rollup: { max_gap_us: 300_000_000, range: null },
    demand: { window_minutes: 30, method: { kind: 'fixed_blocks' } },
    carbon: { kg_per_kwh: factors },
    hourly_electricity_carbon: null,
    tariff: tariffRust,
  });
  assert.deepStrictEqual(rustShape(js), rust);
  const plant = js.factories[0].byCarrier.find((c) => c.carrier === 'electricity');
  assert.ok(plant.cost.demandCost > 0 && plant.cost.fixedCost > 0);
  assert.equal(plant.peakDemand.windowMinutes, 30);
});

test('single KPI functions agree with the report on the same data', async () => {
  const report = await enms.kpiReport(machineInputs(sim));
  const i = sim.machines.findIndex((m) => m.id === 'injection-molding-1');
  const m = report.machines.find((k) => k.machineId === 'injection-molding-1');
  const readings = sim.energyReadings[i];
  const range = { start: report.range.start, end: report.range.end };

  const peak = await enms.peakDemand(readings, { range });
  assert.deepStrictEqual(peak, m.peakDemand);
  const hours = (range.end - range.start) / 3.6e6;
  assert.equal(enms.loadFactor(m.energyKwh, hours, peak.peakDemandKw), m.loadFactor);
  assert.equal(enms.specificEnergyConsumption(m.energyKwh, m.production), m.secKwhPerUnit);
  assert.equal(enms.carbonKg(m.energyKwh, m.carrier), m.carbonKg);
  assert.equal(enms.powerFactor(m.energyKwh, m.reactiveKvarh), m.powerFactor);

  const r = await enms.rollup(readings, { width: '15m', range });
  const total = r.energyKwh.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - m.energyKwh) < 1e-9 * m.energyKwh);
});
