'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const enms = require('enms');
const { TimedSimulator, parseMachineList } = require('../../src/core/simulator');

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
