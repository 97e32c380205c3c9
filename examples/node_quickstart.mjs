// enms from Node.js: simulate a factory week, compute the KPIs, roll up one machine, and see what
// bad input looks like. Run after building the addon (see enms-node/README.md):
//
//   node examples/node_quickstart.mjs
//
// In your own project, `npm install <path to enms-node>` and `import enms from 'enms'`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const enms = require('../enms-node/index.js');

// 1. A week of the demo factory (six machines, Europe/Berlin), off the main thread.
// Times: local dates of the factory's zone, RFC 3339 instants, or ms since the epoch.
const sim = await enms.simulate({ seed: 42, start: '2025-01-06', end: '2025-01-13' });
console.log(`simulated ${sim.machines.length} machines, ${sim.energyReadings.reduce((n, t) => n + t.ts.length, 0)} readings`);

// 2. The KPI report: per machine, per factory (coincident peak per carrier) and in total.
const inputs = sim.machines.map((machine, i) => {
  const p = sim.production.find((t) => t.machineId === machine.id);
  return {
    machine,
    readings: sim.energyReadings[i], // columns: ts (ms), powerKw, reactiveEnergyKvarh, ...
    production: p && { ts: p.ts, values: p.productionCount },
  };
});
const report = await enms.kpiReport(inputs, {
  timezone: 'Europe/Berlin',
  tariff: enms.flatTariff('EUR', 0.22, 'Europe/Berlin', '2025-01-01'),
});
const fmt = (v, d = 1) => (v == null ? '-' : v.toFixed(d));
console.log('\nmachine               carrier        energy_kWh  peak_kW    LF  kWh/part   CO2_kg')
for (const m of report.machines) {
  console.log(
    `${m.machineId.padEnd(21)} ${m.carrier.padEnd(12)} ${fmt(m.energyKwh).padStart(12)} ${fmt(m.peakDemand?.peakDemandKw).padStart(8)}` +
      ` ${fmt(m.loadFactor, 2).padStart(5)} ${fmt(m.secKwhPerUnit, 3).padStart(9)} ${fmt(m.carbonKg).padStart(8)}`,
  );
}
const electricity = report.factories[0].byCarrier.find((c) => c.carrier === 'electricity');
console.log(`\nfactory peak demand ${fmt(electricity.peakDemand.peakDemandKw)} kW at ${new Date(electricity.peakDemand.start).toISOString()}`);
console.log(`electricity bill ${fmt(electricity.cost.totalCost, 2)} ${electricity.cost.currency}, total CO2 ${fmt(report.totalCarbonKg)} kg`);

// 3. Daily energy of the compressor in local days, and its rolling 15-minute peak.
const compressor = sim.energyReadings[0];
const days = await enms.rollup(compressor, { width: '1d', timezone: 'Europe/Berlin' });
console.log('\ncompressor kWh per day:', Array.from(days.energyKwh, (e) => Math.round(e)).join(', '));
const rolling = await enms.peakDemand(compressor, { method: 'rolling', stepMinutes: 1 });
console.log(`compressor rolling 15-min peak ${fmt(rolling.peakDemandKw, 2)} kW`);

// 4. Bad input is an Error with a stable code and the field at fault.
try {
  enms.rollupSync({ ts: [0, 1000, 2000], powerKw: [1, NaN, 3] }, { width: '15m' });
} catch (e) {
  console.log(`\nbad input -> ${e.code} (field ${e.field}): ${e.message}`);
}
