// Weather-normalised savings of an energy measure from Node.js (the Python example
// examples/python_weather_savings.py, the same plant and seed): the simulated gas boiler gets a
// measure saving 20 % of its gas after eight winter weeks; the daily model by season and day
// type, fitted on those weeks, states the savings of the four weeks after with their ASHRAE
// Guideline 14 uncertainty; the same seed without the measure gives the true saving.
// Run after building the addon (see enms-node/README.md):
//
//   node examples/node_weather_savings.mjs
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const enms = require('../enms-node/index.js');

const START = '2024-12-02T00:00:00+01:00';
const MEASURE = '2025-01-27T00:00:00+01:00';
const END = '2025-02-24T00:00:00+01:00';

async function plant(measure) {
  const config = enms.defaultFactoryConfig();
  config.fault_rate_per_machine_day = 0;
  if (measure) config.measures = [{ machine_id: 'boiler-1', from: MEASURE, efficiency_gain: 0.2 }];
  return enms.simulate({ seed: 7, config, machines: ['boiler-1'], start: '2024-12-02', end: '2025-02-24' });
}

/** The boiler's gas per local day with the day's mean outdoor temperature. */
function daily(sim, start, end) {
  const env = sim.environment;
  const drivers = [{ name: 'outdoor_temp_c', aggregation: 'mean', ts: env.ts, values: env.outdoorTempC }];
  return enms.modellingTableSync(sim.energyReadings[0], drivers, { range: { start, end }, timezone: 'Europe/Berlin' });
}

const sum = (a) => a.reduce((x, y) => x + y, 0);
const [measured, without] = await Promise.all([plant(true), plant(false)]);
const base = daily(measured, START, MEASURE);
const report = daily(measured, MEASURE, END);
const truth = sum(daily(without, MEASURE, END).energyKwh) - sum(report.energyKwh);

const model = await enms.fitDaily(base.start, base.drivers.outdoor_temp_c, base.energyKwh, {
  timezone: 'Europe/Berlin',
  minSegmentDays: 5,
});
console.log(
  `daily model: ${model.segments.map((s) => s.name).join(', ')}, R² ${model.rSquared.toFixed(3)}, CV(RMSE) ${model.cvRmsePct.toFixed(1)} %`,
);
const r = await model.performance(report.start, report.drivers.outdoor_temp_c, report.energyKwh);
console.log(
  `savings ${r.savings.toFixed(0)} kWh ± ${r.savingsUncertainty.toFixed(0)} kWh (${Math.round(r.confidence * 100)} %), ` +
    `EnPI index ${r.enpiIndex.toFixed(3)}, CUSUM at the end ${r.cusum[r.cusum.length - 1].toFixed(0)} kWh`,
);
const inside = r.savingsLow <= truth && truth <= r.savingsHigh ? 'inside' : 'outside';
console.log(`true saving ${truth.toFixed(0)} kWh: ${inside} the interval`);
