'use strict';
// KPIs per window of a stream equal the enms report over each window computed in one call.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const enms = require('enms');
const { WindowedKpis } = require('../../src/core/kpi');

const START = Date.parse('2025-01-07T05:00:00Z');
const END = START + 5 * 3600e3;
const MACHINES = ['compressor-1', 'injection-molding-1', 'boiler-1'];

test('windowed reports equal direct reports over each window', () => {
  const session = new enms.SimulatorSession({ seed: 42, machines: MACHINES }, START);
  const rec = session.advanceRecords(END);
  const settings = { demand: { windowMinutes: 15 }, carbonFactors: { electricity: 0.4 } };
  const w = new WindowedKpis(enms, { window: '1h', settings });
  w.learnMachines(session.machines);
  // deliver in 10-minute steps, readings and production together, as the simulator node does
  const out = [];
  for (let t = START; t < END; t += 600e3) {
    const r = rec.energyReadings.filter((x) => x.ts >= t && x.ts < t + 600e3);
    const p = rec.production.filter((x) => x.ts >= t && x.ts < t + 600e3);
    out.push(...w.push(r, p));
  }
  assert.equal(out.length, 4, 'four complete hours (the fifth has no reading after its end)');
  const last = w.flush();
  assert.equal(last.length, 1, 'flush reports the fifth hour');
  assert.equal(last[0].window.start, START + 4 * 3600e3);
  out.push(...last);
  for (const { window, report } of out) {
    const inputs = session.machines.map((machine) => {
      const readings = rec.energyReadings.filter((x) => x.machineId === machine.id);
      const prod = rec.production.filter((x) => x.machineId === machine.id);
      return {
        machine,
        readings,
        production: prod.length ? { ts: prod.map((x) => x.ts), values: prod.map((x) => x.productionCount) } : undefined,
      };
    });
    const direct = enms.kpiReportSync(inputs, { ...settings, range: window });
    assert.deepStrictEqual(report, direct);
    assert.equal(window.end - window.start, 3600e3);
  }
  const molding = out[1].report.machines.find((m) => m.machineId === 'injection-molding-1');
  assert.ok(molding.production > 0 && molding.secKwhPerUnit > 0);
  const boiler = out[1].report.machines.find((m) => m.machineId === 'boiler-1');
  assert.equal(boiler.carrier, 'natural_gas');
});

test('machines without metadata take the configured defaults', () => {
  const w = new WindowedKpis(enms, {
    window: '15m',
    machineDefaults: { factoryId: 'f', machineType: 'hvac', carrier: 'electricity', ratedPowerKw: 0, intervalS: 0 },
  });
  const t0 = Date.parse('2025-01-06T00:00:00Z');
  const readings = Array.from({ length: 40 }, (_, i) => ({ ts: t0 + i * 60e3, machineId: 'x', powerKw: 60 }));
  const out = w.push(readings);
  assert.equal(out.length, 2);
  const m = out[0].report.machines[0];
  assert.equal(m.machineType, 'hvac');
  assert.ok(Math.abs(m.energyKwh - 15) < 1e-9, '60 kW for 15 minutes');
});
