'use strict';
// enms-rollup: buckets incoming readings per machine (logic in src/core/rollup.js).
const enms = require('enms');
const { StreamingRollup } = require('../src/core/rollup');
const { split } = require('../src/core/records');

module.exports = function register(RED) {
  function EnmsRollupNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    let rollup;
    try {
      rollup = new StreamingRollup(enms, {
        width: config.width,
        timezone: config.timezone || undefined,
        maxGapS: config.maxGapS === '' || config.maxGapS == null ? undefined : Number(config.maxGapS),
      });
    } catch (e) {
      node.error(`${e.code || 'Error'}: ${e.message}`);
      node.status({ fill: 'red', shape: 'dot', text: e.code || 'error' });
    }

    node.on('input', (msg, send, done) => {
      if (!rollup) return done();
      try {
        const rows = msg.topic === 'flush' ? rollup.flush() : rollup.push(split(msg.payload).readings);
        for (const row of rows) send({ topic: row.machineId, payload: row });
        node.status({ fill: 'green', shape: 'dot', text: `${rollup.machines.size} machine(s)` });
        done();
      } catch (e) {
        done(e);
      }
    });
  }
  RED.nodes.registerType('enms-rollup', EnmsRollupNode);
};
