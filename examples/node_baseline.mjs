// An ISO 50001 energy baseline from Node.js: simulate two months of an injection moulding
// machine, build daily modelling tables from its readings, fit a baseline of energy on
// production and the day type, print its statsmodels-like summary and gates, and track the
// following weeks against it (deviation, CUSUM, EnPI, savings with their uncertainty).
// Run after building the addon (see enms-node/README.md):
//
//   node examples/node_baseline.mjs
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const enms = require('../enms-node/index.js');

const sim = await enms.simulate({ seed: 42, machines: ['injection-molding-1'], start: '2025-01-06', end: '2025-03-03' });
const power = sim.energyReadings[0];
const prod = sim.production[0];
const drivers = [
  { name: 'production', aggregation: 'sum', ts: prod.ts, values: prod.productionCount },
  { name: 'day_type', aggregation: 'day_type' },
];
const options = (start, end) => ({ range: { start, end }, timezone: 'Europe/Berlin' });

// 1. Six weeks of local days train the baseline.
const training = await enms.modellingTable(power, drivers, options('2025-01-06T00:00:00+01:00', '2025-02-17T00:00:00+01:00'));
console.log(`training: ${training.start.length} of ${training.periodsTotal} days`);
const baseline = training.fit({ gates: ['sep', 'ashrae14-daily'] });
console.log(baseline.summary());
console.log(baseline.passed ? 'every gate passed' : `gates failed:\n  ${baseline.failures.join('\n  ')}`);

// 2. The next two weeks against it.
const reporting = await enms.modellingTable(power, drivers, options('2025-02-17T00:00:00+01:00', '2025-03-03T00:00:00+01:00'));
const perf = await baseline.performance(reporting.energyKwh, reporting.drivers, { allowFailedGates: !baseline.passed });
console.log('\nday          actual_kWh  expected_kWh  deviation  CUSUM');
for (let i = 0; i < reporting.start.length; i++) {
  const day = new Date(reporting.start[i] + 12 * 3600e3).toISOString().slice(0, 10);
  console.log(
    `${day} ${perf.actual[i].toFixed(1).padStart(12)} ${perf.expected[i].toFixed(1).padStart(13)} ${perf.deviation[i].toFixed(1).padStart(10)} ${perf.cusum[i].toFixed(1).padStart(6)}`,
  );
}
console.log(
  `\nEnPI index ${perf.enpiIndex.toFixed(3)}; savings ${perf.savings.toFixed(1)} kWh, ` +
    `${Math.round(perf.confidence * 100)} % interval [${perf.savingsLow.toFixed(1)}, ${perf.savingsHigh.toFixed(1)}] kWh`,
);

// 3. The model is a value: saved as JSON and loaded again, it predicts the same.
const loaded = enms.Baseline.fromJSON(JSON.stringify(baseline));
const again = loaded.predictSync(reporting.drivers, 0.95);
console.log(`saved and loaded: the same predictions ${again.mean.every((v, i) => v === perf.expected[i])}`);
