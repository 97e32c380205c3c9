'use strict';
// The nodes loaded into the real Node-RED runtime (node-red-node-test-helper), wired as in
// a flow; and the example flow of examples/node-red-flow.json.
const { test, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const helper = require('node-red-node-test-helper');
const enms = require('enms');

const simulatorNode = require('../../nodes/enms-simulator.js');
const rollupNode = require('../../nodes/enms-rollup.js');
const kpiNode = require('../../nodes/enms-kpi.js');
const baselineNode = require('../../nodes/enms-baseline.js');
const forecastNode = require('../../nodes/enms-forecast.js');
const anomalyNode = require('../../nodes/enms-anomaly.js');
const plant = require('../plant');

helper.init(require.resolve('node-red'));

before(() => new Promise((resolve) => helper.startServer(resolve)));
after(() => new Promise((resolve) => helper.stopServer(resolve)));
afterEach(() => helper.unload());

const START = Date.parse('2025-01-06T06:00:00Z');

function records(machines, hours) {
  const s = new enms.SimulatorSession({ seed: 42, machines }, START);
  return { session: s, rec: s.advanceRecords(START + hours * 3600e3) };
}

/** Resolves with the first `n` messages a helper node receives. */
function collect(node, n) {
  return new Promise((resolve) => {
    const got = [];
    node.on('input', (msg) => {
      got.push(msg);
      if (got.length === n) resolve(got);
    });
  });
}

test('all six nodes load with their defaults', async () => {
  const flow = [
    { id: 's', type: 'enms-simulator', seed: 42, machines: '', speed: 60, intervalMs: 1000, start: '', autostart: false, wires: [[], []] },
    { id: 'r', type: 'enms-rollup', width: '15m', timezone: '', maxGapS: '', wires: [[]] },
    { id: 'k', type: 'enms-kpi', window: '1h', timezone: '', demandWindowMinutes: '', electricityKgPerKwh: '', ratePerKwh: '', currency: 'EUR', factoryId: 'plant-1', machineType: 'compressor', carrier: 'electricity', wires: [[]] },
    { id: 'b', type: 'enms-baseline', target: 'energyKwh', drivers: 'parts', trainingPeriods: 60, gates: '', confidence: '', allowFailedGates: false, wires: [[], []] },
    { id: 'f', type: 'enms-forecast', model: 'auto', horizon: 24, levels: '', target: 'y', regressors: '', timeZone: '', holidays: '', options: '', wires: [[]] },
    { id: 'a', type: 'enms-anomaly', input: 'readings', timezone: '', periodS: '', window: '', minPeriods: '', warningSigma: '', criticalSigma: '', fixedSigma: '', maxGap: '', minEventSeverity: '', options: '', wires: [[]] },
  ];
  await helper.load([simulatorNode, rollupNode, kpiNode, baselineNode, forecastNode, anomalyNode], flow);
  assert.equal(helper.getNode('a').type, 'enms-anomaly');
  assert.equal(helper.getNode('b').type, 'enms-baseline');
  assert.equal(helper.getNode('f').type, 'enms-forecast');
  assert.equal(helper.getNode('s').type, 'enms-simulator');
  assert.equal(helper.getNode('r').type, 'enms-rollup');
  assert.equal(helper.getNode('k').type, 'enms-kpi');
});

test('enms-rollup sends one message per machine and completed bucket', async () => {
  const flow = [
    { id: 'r', type: 'enms-rollup', width: '15m', timezone: 'Europe/Berlin', maxGapS: '', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
  await helper.load(rollupNode, flow);
  const { rec } = records(['compressor-1', 'hvac-1'], 1);
  const got = collect(helper.getNode('out'), 8); // 4 quarter hours x 2 machines, closed by the flush
  const r = helper.getNode('r');
  r.receive({ payload: rec.energyReadings });
  r.receive({ topic: 'flush' });
  const msgs = await got;
  const comp = msgs.filter((m) => m.topic === 'compressor-1').map((m) => m.payload);
  assert.equal(comp.length, 4);
  const whole = enms.rollupSync(rec.energyReadings.filter((x) => x.machineId === 'compressor-1'), { width: '15m', timezone: 'Europe/Berlin' });
  comp.forEach((b, k) => {
    assert.equal(b.start, whole.start[k]);
    assert.ok(Math.abs(b.energyKwh - whole.energyKwh[k]) < 1e-9 * whole.energyKwh[k]);
  });
});

test('enms-kpi sends the enms report per window', async () => {
  const flow = [
    { id: 'k', type: 'enms-kpi', window: '1h', timezone: 'Europe/Berlin', demandWindowMinutes: '15', electricityKgPerKwh: '0.4', ratePerKwh: '0.2', currency: 'EUR', factoryId: 'plant-1', machineType: 'compressor', carrier: 'electricity', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
  await helper.load(kpiNode, flow);
  const { session, rec } = records(['compressor-1', 'injection-molding-1'], 2.5);
  const got = collect(helper.getNode('out'), 2);
  const k = helper.getNode('k');
  k.receive({ payload: rec.energyReadings, machines: session.machines });
  k.receive({ payload: rec.production, machines: session.machines });
  const msgs = await got;
  assert.deepStrictEqual(msgs.map((m) => m.window.start), [START, START + 3600e3]);
  const first = msgs[0].payload;
  assert.equal(msgs[0].topic, 'kpi');
  assert.deepStrictEqual(first.machines.map((m) => m.machineId), ['compressor-1', 'injection-molding-1']);
  const comp = first.machines[0];
  assert.ok(Math.abs(comp.carbonKg - 0.4 * comp.energyKwh) < 1e-9);
  assert.ok(Math.abs(comp.energyCost - 0.2 * comp.energyKwh) < 1e-9);
  assert.ok(first.factories[0].byCarrier[0].cost.totalCost > 0);
});

/** Daily rows of a press: 300 kWh + 2 kWh per part + 15 kWh per heating degree-day; `factor` scales the energy. */
function pressDays(n, from, factor = 1) {
  return Array.from({ length: n }, (_, k) => {
    const d = from + k;
    const parts = 300 + ((d * 37) % 200);
    const hdd = 5 + ((d * 11) % 13);
    const noise = ((d * 7919) % 41) - 20;
    return { machineId: 'press-1', start: START + d * 864e5, end: START + (d + 1) * 864e5, energyKwh: factor * (300 + 2 * parts + 15 * hdd + noise), parts, hdd };
  });
}

test('enms-baseline trains on a window of days, then sends deviation and CUSUM per day', async () => {
  const flow = [
    { id: 'b', type: 'enms-baseline', target: 'energyKwh', drivers: 'parts, hdd', trainingPeriods: '40', gates: 'sep, ashrae14-daily', confidence: '', allowFailedGates: false, wires: [['perf'], ['fit']] },
    { id: 'perf', type: 'helper' },
    { id: 'fit', type: 'helper' },
  ];
  await helper.load(baselineNode, flow);
  const fitMsg = collect(helper.getNode('fit'), 1);
  const perfMsgs = collect(helper.getNode('perf'), 10);
  const b = helper.getNode('b');
  const training = pressDays(40, 0);
  const reporting = pressDays(10, 40, 0.9);
  b.receive({ payload: training });
  for (const day of reporting) b.receive({ payload: day });
  const [fit] = await fitMsg;
  assert.equal(fit.topic, 'press-1');
  assert.equal(fit.payload.passed, true, fit.payload.failures.join('; '));
  const direct = enms.fitBaselineSync(
    training.map((r) => r.energyKwh),
    { parts: training.map((r) => r.parts), hdd: training.map((r) => r.hdd) },
    { gates: ['sep', 'ashrae14-daily'], training: { start: START, end: START + 40 * 864e5 } },
  );
  assert.deepStrictEqual(fit.payload.coefficients, direct.coefficients);
  const perf = (await perfMsgs).map((m) => m.payload);
  const report = direct.performanceSync(reporting.map((r) => r.energyKwh), { parts: reporting.map((r) => r.parts), hdd: reporting.map((r) => r.hdd) });
  perf.forEach((p, i) => {
    assert.equal(p.deviation, report.deviation[i]);
    assert.ok(Math.abs(p.cusum - report.cusum[i]) <= 1e-9 * Math.abs(report.cusum[i]));
  });
  assert.ok(perf[9].cusum < 0 && perf[9].enpiIndex < 1);
});

test('enms-baseline: a model that failed its gates raises the enms error on later days', async () => {
  const flow = [
    { id: 'b', type: 'enms-baseline', target: 'energyKwh', drivers: 'parts, hdd', trainingPeriods: '20', gates: '', confidence: '', allowFailedGates: false, wires: [['perf'], ['fit']] },
    { id: 'perf', type: 'helper' },
    { id: 'fit', type: 'helper' },
  ];
  await helper.load(baselineNode, flow);
  const fitMsg = collect(helper.getNode('fit'), 1);
  const b = helper.getNode('b');
  b.receive({ payload: pressDays(20, 0) });
  const [fit] = await fitMsg;
  assert.equal(fit.payload.passed, false);
  assert.ok(fit.payload.failures.some((f) => f.includes('charter observations')), fit.payload.failures.join('; '));
  const failed = new Promise((resolve) => b.on('call:error', (call) => resolve(call)));
  b.receive({ payload: pressDays(1, 20) });
  const call = await failed;
  assert.match(String(call.args[0]), /failed its gates/);
});

test('enms-simulator emits readings on its timer', async () => {
  const flow = [
    { id: 's', type: 'enms-simulator', seed: 7, machines: 'compressor-1', speed: 3600, intervalMs: 20, start: '2025-01-06T08:00:00Z', autostart: true, wires: [['out'], []] },
    { id: 'out', type: 'helper' },
  ];
  await helper.load(simulatorNode, flow);
  const [msg] = await collect(helper.getNode('out'), 1);
  assert.equal(msg.topic, 'energy_readings');
  assert.ok(msg.payload.length > 0);
  assert.ok(msg.payload.every((r) => r.machineId === 'compressor-1' && r.ts >= Date.parse('2025-01-06T08:00:00Z')));
  helper.getNode('s').receive({ payload: 'stop' });
});

test('enms-simulator sends the hourly history first, which enms-forecast forecasts', async () => {
  const start = Date.parse('2025-01-27T00:00:00Z');
  const flow = [
    { id: 's', type: 'enms-simulator', seed: 7, machines: 'compressor-1, hvac-1', speed: 1, intervalMs: 1000, start: '2025-01-27T00:00:00Z', autostart: true, historyDays: 14, wires: [[], [], ['h', 'f']] },
    { id: 'f', type: 'enms-forecast', model: 'auto', horizon: '24', levels: '0.8', target: 'y', regressors: '', timeZone: '', holidays: '', options: '', wires: [['out']] },
    { id: 'h', type: 'helper' },
    { id: 'out', type: 'helper' },
  ];
  await helper.load([simulatorNode, forecastNode], flow);
  // the history is simulated off the main thread after the start: listening now misses nothing
  const [[a, b], forecasts] = await Promise.all([collect(helper.getNode('h'), 2), collect(helper.getNode('out'), 2)]);
  helper.getNode('s').receive({ payload: 'stop' });
  for (const [msg, id] of [[a, 'compressor-1'], [b, 'hvac-1']]) {
    assert.equal(msg.topic, id);
    assert.equal(msg.machine.id, id);
    const { ts, y } = msg.payload;
    assert.equal(ts.length, 14 * 24, id);
    assert.equal(ts[0], start - 14 * 86400e3);
    assert.equal(ts[ts.length - 1], start - 3600e3);
    assert.ok(ts.every((t, i) => i === 0 || t - ts[i - 1] === 3600e3));
    const measured = y.filter(Number.isFinite);
    assert.ok(measured.length >= 0.9 * y.length, `${id}: ${measured.length} of ${y.length} hours measured`);
    assert.ok(measured.every((v) => v >= 0) && measured.some((v) => v > 0), id);
  }
  // a forecast per machine, of the 24 hours after the history (the stream's first hours)
  assert.deepEqual(forecasts.map((m) => m.topic).sort(), ['compressor-1', 'hvac-1']);
  for (const f of forecasts) {
    assert.equal(f.payload.mean.length, 24);
    assert.equal(f.payload.ts[0], start);
    assert.equal(f.payload.intervals.length, 1);
    assert.ok(f.payload.mean.every(Number.isFinite));
  }
});

test('an invalid setting is reported with the enms error code, not a crash', async () => {
  const flow = [{ id: 'r', type: 'enms-rollup', width: '15m', timezone: 'Atlantis/Capital', maxGapS: '', wires: [[]] }];
  await helper.load(rollupNode, flow);
  const r = helper.getNode('r');
  const errors = r.error.args ? r.error.args : [];
  assert.ok(errors.some((a) => String(a[0]).includes('ENMS_UNKNOWN_TIME_ZONE')), JSON.stringify(errors));
  r.receive({ payload: [{ ts: START, machineId: 'm', powerKw: 1 }] }); // ignored, no throw
});

test('enms-forecast sends the forecast of the series in a message, and reports bad input', async () => {
  const flow = [
    { id: 'f', type: 'enms-forecast', model: 'seasonal', horizon: '48', levels: '0.9', target: 'kwh', regressors: '', timeZone: 'Europe/Berlin', holidays: '2025-01-06', options: '{"ar_order": 2}', wires: [['out']] },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: ['f'], wires: [['errors']] },
    { id: 'errors', type: 'helper' },
  ];
  await helper.load(forecastNode, flow);
  const H = 3600e3;
  const t0 = Date.parse('2025-01-06T00:00:00Z');
  const rows = Array.from({ length: 21 * 24 }, (_, i) => ({ ts: t0 + i * H, kwh: 50 + 20 * Math.sin((2 * Math.PI * (i % 24)) / 24) + Math.cos(i) }));
  const got = collect(helper.getNode('out'), 1);
  helper.getNode('f').receive({ topic: 'line-1', payload: rows });
  const [msg] = await got;
  assert.equal(msg.topic, 'line-1');
  const spec = { model: 'seasonal', ar_order: 2, calendar: { time_zone: 'Europe/Berlin', holidays: ['2025-01-06'] } };
  const f = enms.fitForecasterSync(rows.map((r) => r.ts), rows.map((r) => r.kwh), null, spec, 48).forecastSync(48, null, [0.9]);
  assert.deepStrictEqual(msg.payload.ts, Array.from(f.ts));
  assert.deepStrictEqual(msg.payload.mean, Array.from(f.mean));
  assert.deepStrictEqual(msg.payload.intervals.map((i) => i.level), [0.9]);
  assert.equal(msg.payload.ts[0], t0 + rows.length * H);
  // too short a series: an enms error a Catch node sees
  const errors = collect(helper.getNode('errors'), 1);
  helper.getNode('f').receive({ payload: rows.slice(0, 1) });
  const [err] = await errors;
  assert.match(err.error.message, /ts|timestamps|least/);
});

test('enms-anomaly sends the events of readings per machine, and of residuals; reports bad input', async () => {
  const flow = [
    { id: 'a', type: 'enms-anomaly', input: 'readings', timezone: 'UTC', periodS: '3600', window: '', minPeriods: '', warningSigma: '', criticalSigma: '', fixedSigma: '', maxGap: '', minEventSeverity: '', options: '', wires: [['out']] },
    { id: 'r', type: 'enms-anomaly', input: 'residuals', timezone: '', periodS: '900', window: '96', minPeriods: '24', warningSigma: '2', criticalSigma: '3', fixedSigma: '', maxGap: '1', minEventSeverity: '', options: '', wires: [['out2']] },
    { id: 'out', type: 'helper' },
    { id: 'out2', type: 'helper' },
    { id: 'c', type: 'catch', scope: ['a'], wires: [['errors']] },
    { id: 'errors', type: 'helper' },
  ];
  await helper.load(anomalyNode, flow);
  // readings of two machines, one with the core test plant's fault
  const payload = [...plant.records('press-1', true), ...plant.records('press-2', false)];
  const got = collect(helper.getNode('out'), 1);
  helper.getNode('a').receive({ topic: 'plant', payload, training: plant.TRAINING, detection: plant.DETECTION });
  const [msg] = await got;
  assert.equal(msg.topic, 'plant');
  const p1 = payload.filter((x) => x.machineId === 'press-1');
  const expected = await enms.detectAnomalies(
    {
      machineId: 'press-1',
      training: plant.TRAINING,
      detection: plant.DETECTION,
      power: { ts: p1.filter((x) => 'powerKw' in x).map((x) => x.ts), powerKw: p1.filter((x) => 'powerKw' in x).map((x) => x.powerKw) },
      production: { ts: p1.filter((x) => 'productionCount' in x).map((x) => x.ts), values: p1.filter((x) => 'productionCount' in x).map((x) => x.productionCount) },
    },
    { timezone: 'UTC', periodS: 3600 },
  );
  assert.deepStrictEqual(
    msg.payload.filter((e) => e.machineId === 'press-1').map(({ startIso, endIso, ...e }) => e),
    expected,
  );
  assert.ok(msg.payload.some((e) => e.machineId === 'press-1' && e.start <= plant.FAULT.start && e.end >= plant.FAULT.end && e.severity === 'critical'));
  // residuals of a baseline: one event of the step
  const T0 = Date.parse('2025-01-06T00:00:00Z');
  const rows = Array.from({ length: 200 }, (_, i) => ({ ts: T0 + i * 900e3, residual: i >= 150 && i < 153 ? 10 : i % 2 ? -1 : 1 }));
  const got2 = collect(helper.getNode('out2'), 1);
  helper.getNode('r').receive({ topic: 'pump-2', payload: rows });
  const [m2] = await got2;
  assert.equal(m2.payload.length, 1);
  assert.equal(m2.payload[0].machineId, 'pump-2');
  assert.equal(m2.payload[0].start, rows[150].ts);
  assert.equal(m2.payload[0].severity, 'critical');
  // readings without a reference period: an enms error a Catch node sees
  const errors = collect(helper.getNode('errors'), 1);
  helper.getNode('a').receive({ payload });
  const [err] = await errors;
  assert.match(err.error.message, /training/);
});

test('the example flow imports and runs', async () => {
  const flow = require(path.join(__dirname, '../../../../examples/node-red-flow.json'));
  const types = new Set(flow.map((n) => n.type));
  for (const t of ['enms-simulator', 'enms-rollup', 'enms-kpi', 'enms-forecast']) assert.ok(types.has(t), t);
  const nodes = flow.filter((n) => n.type.startsWith('enms-') || n.type === 'tab');
  const ids = new Set(nodes.map((n) => n.id));
  const wired = nodes.map((n) => (n.wires ? { ...n, wires: n.wires.map((w) => w.filter((id) => ids.has(id))) } : n));
  await helper.load([simulatorNode, rollupNode, kpiNode, forecastNode], wired);
  for (const n of nodes.filter((x) => x.type !== 'tab')) assert.ok(helper.getNode(n.id), n.id);
});
