'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const enms = require('enms');
const { TimedSimulator, parseMachineList, historyMessages } = require('../../src/core/simulator');

test('machine lists from the editor', () => {
  assert.deepStrictEqual(parseMachineList(' compressor-1, hvac-1 ,'), ['compressor-1', 'hvac-1']);
  assert.equal(parseMachineList(''), undefined);
});

test('polls return what the simulated clock passed, as messages', async () => {
  const start = Date.parse('2025-01-06T08:00:00Z');
  const sim = new TimedSimulator(enms, { seed: 1, machines: ['compressor-1', 'conveyor-1'], speed: 3600, start });
  await new Promise((r) => setTimeout(r, 100));
  const [readings, production] = sim.poll();
  assert.equal(readings.topic, 'energy_readings');
  assert.ok(readings.payload.length > 0);
  assert.deepStrictEqual(new Set(readings.payload.map((r) => r.machineId)), new Set(['compressor-1', 'conveyor-1']));
  assert.ok(readings.payload.every((r) => r.ts >= start && r.ts < readings.simTime));
  assert.deepStrictEqual(readings.machines.map((m) => m.id), ['compressor-1', 'conveyor-1']);
  assert.ok(production === null || production.payload.every((p) => p.machineId === 'conveyor-1'));
  assert.throws(() => new TimedSimulator(enms, { seed: 1, speed: 0 }), { code: 'ENMS_INVALID_PARAMETER', field: 'speed' });
});

test('the hourly history: the rollup of the same simulation, one message per machine', async () => {
  const end = Date.parse('2025-01-07T00:00:00+01:00');
  const msgs = await historyMessages(enms, { seed: 3, machines: ['compressor-1', 'boiler-1'], days: 1, end });
  assert.deepStrictEqual(msgs.map((m) => m.topic), ['compressor-1', 'boiler-1']);
  const sim = enms.simulateSync({ seed: 3, machines: ['compressor-1', 'boiler-1'], start: end - 86400e3, end });
  for (const [k, m] of msgs.entries()) {
    const t = sim.energyReadings[k];
    const r = enms.rollupSync({ ts: t.ts, powerKw: t.powerKw }, { width: '1h', timezone: 'Europe/Berlin', range: { start: end - 86400e3, end } });
    assert.deepStrictEqual(m.payload.ts, Array.from(r.start));
    assert.equal(m.payload.y.length, 24);
    m.payload.y.forEach((v, i) => assert.ok(Number.isNaN(v) || v === r.energyKwh[i], `${m.topic} hour ${i}`));
    assert.equal(m.unit, 'kWh');
    assert.equal(m.machine.id, m.topic);
  }
  assert.deepStrictEqual(await historyMessages(enms, { seed: 3, days: 0, end }), []);
});
