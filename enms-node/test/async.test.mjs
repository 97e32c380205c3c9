// Heavy work runs on libuv's thread pool: while a Promise-returning function computes, the event
// loop keeps turning (checked by counting timer ticks; no timing assertions).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { enms, ticksDuring } from './helpers.mjs';

function bigReadings(n) {
  const ts = new Float64Array(n);
  const powerKw = new Float64Array(n);
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    ts[i] = t0 + i * 1000;
    powerKw[i] = 50 + 40 * Math.sin(i / 600);
  }
  return { ts, powerKw };
}

test('rollup of 3 million readings leaves the event loop free', async () => {
  const r = bigReadings(3_000_000);
  const { ticks, value } = await ticksDuring(enms.standardRollups(r));
  assert.ok(ticks > 0, `the event loop turned ${ticks} times`);
  assert.equal(value.minute.start.length, 50_000);
  // same numbers as the sync variant
  const sync = enms.standardRollupsSync(r);
  assert.deepStrictEqual(value.day.energyKwh, sync.day.energyKwh);
});

test('simulate and the KPI report run off the main thread too', async () => {
  const { ticks, value } = await ticksDuring(
    enms.simulate({ seed: 7, start: '2025-03-01T00:00:00Z', end: '2025-03-03T00:00:00Z' }),
  );
  assert.ok(ticks > 0);
  const inputs = value.machines.map((machine, i) => ({ machine, readings: value.energyReadings[i] }));
  const k = await ticksDuring(enms.kpiReport(inputs));
  assert.ok(k.ticks > 0);
  assert.equal(k.value.machines.length, 6);
});

test('many concurrent tasks all resolve', async () => {
  const r = bigReadings(100_000);
  const all = await Promise.all(Array.from({ length: 16 }, () => enms.rollup(r, { width: '1h' })));
  for (const x of all) assert.deepStrictEqual(x.energyKwh, all[0].energyKwh);
});
