'use strict';
// The streaming rollup gives the buckets a rollup of the whole series gives, however the readings
// are batched.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const enms = require('enms');
const { StreamingRollup, lowerBound, upperBound } = require('../../src/core/rollup');
const { split } = require('../../src/core/records');

const START = Date.parse('2025-01-06T06:00:00Z');
const END = START + 6 * 3600e3;

function simRecords() {
  const s = new enms.SimulatorSession({ seed: 11, machines: ['compressor-1', 'conveyor-1'] }, START);
  return s.advanceRecords(END).energyReadings;
}

test('binary searches', () => {
  assert.equal(lowerBound([1, 2, 2, 3], 2), 1);
  assert.equal(upperBound([1, 2, 2, 3], 2), 3);
  assert.equal(lowerBound([], 5), 0);
});

test('streamed buckets equal the rollup of the whole series', () => {
  const records = simRecords();
  const stream = new StreamingRollup(enms, { width: '15m', timezone: 'Europe/Berlin' });
  const rows = [];
  let seed = 1;
  for (let i = 0; i < records.length; ) {
    seed = (seed * 48271) % 2147483647;
    const n = 1 + (seed % 700); // batches of 1..700 records
    rows.push(...stream.push(records.slice(i, i + n)));
    i += n;
  }
  rows.push(...stream.flush());
  for (const id of ['compressor-1', 'conveyor-1']) {
    const mine = records.filter((r) => r.machineId === id);
    const whole = enms.rollupSync(mine, { width: '15m', timezone: 'Europe/Berlin' });
    const got = rows.filter((r) => r.machineId === id);
    assert.deepStrictEqual(got.map((r) => r.start), Array.from(whole.start));
    assert.deepStrictEqual(got.map((r) => r.sampleCount), Array.from(whole.sampleCount));
    got.forEach((r, k) => {
      assert.ok(Math.abs(r.energyKwh - whole.energyKwh[k]) <= 1e-9 * Math.max(1, whole.energyKwh[k]), `${id} bucket ${k}`);
      assert.equal(r.coverage, whole.coverage[k]);
    });
  }
  assert.equal(stream.late, 0);
});

test('late readings are dropped and counted, bad options throw enms errors', () => {
  const stream = new StreamingRollup(enms, { width: '1m' });
  const t = START;
  stream.push([{ ts: t, machineId: 'm', powerKw: 1 }, { ts: t + 90e3, machineId: 'm', powerKw: 1 }]);
  stream.push([{ ts: t + 30e3, machineId: 'm', powerKw: 5 }]);
  assert.equal(stream.late, 1);
  assert.throws(() => new StreamingRollup(enms, { width: '1m', timezone: 'Nowhere/Land' }), { code: 'ENMS_UNKNOWN_TIME_ZONE' });
  assert.throws(() => new StreamingRollup(enms, { width: 'often' }), { code: 'ENMS_INVALID_PARAMETER', field: 'width' });
});

test('payloads split into readings and production rows', () => {
  const r = { ts: 1, machineId: 'a', powerKw: 2 };
  const p = { ts: 1, machineId: 'a', productionCount: 3 };
  assert.deepStrictEqual(split([r, p, 7]), { readings: [r], production: [p], other: [7] });
  assert.deepStrictEqual(split(r).readings, [r]);
  assert.deepStrictEqual(split(undefined).readings, []);
});
