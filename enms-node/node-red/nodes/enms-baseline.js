'use strict';
// enms-baseline: an energy baseline trained on a window of periods, then deviation and CUSUM for
// every later period (logic in src/core/baseline.js).
const enms = require('enms');
const { BaselineMonitor } = require('../src/core/baseline');
const { asRecords } = require('../src/core/records');

const list = (text) =>
  String(text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

module.exports = function register(RED) {
  function EnmsBaselineNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    let monitor;
    try {
      const fit = {};
      const gates = list(config.gates);
      if (gates.length) fit.gates = gates;
      if (config.confidence !== '' && config.confidence != null) fit.confidence = Number(config.confidence);
      const performance = {};
      if (config.allowFailedGates) performance.allowFailedGates = true;
      monitor = new BaselineMonitor(enms, {
        drivers: list(config.drivers),
        target: config.target || 'energyKwh',
        trainingPeriods: Number(config.trainingPeriods),
        fit,
        performance,
      });
      node.status({ fill: 'grey', shape: 'ring', text: 'training' });
    } catch (e) {
      node.error(`${e.code || 'Error'}: ${e.message}`);
      node.status({ fill: 'red', shape: 'dot', text: e.code || 'error' });
    }

    node.on('input', (msg, send, done) => {
      if (!monitor) return done();
      if (msg.topic === 'reset') {
        monitor.reset(typeof msg.payload === 'string' ? msg.payload : undefined);
        node.status({ fill: 'grey', shape: 'ring', text: 'training' });
        return done();
      }
      try {
        for (const m of monitor.push(asRecords(msg.payload))) {
          if (m.kind === 'baseline') {
            node.status(m.passed ? { fill: 'green', shape: 'dot', text: `R² ${m.rSquared.toFixed(3)}` } : { fill: 'red', shape: 'dot', text: 'failed its gates' });
            send([null, { topic: m.machineId || 'baseline', payload: m }]);
          } else {
            send([{ topic: m.machineId || 'performance', payload: m }, null]);
          }
        }
        done();
      } catch (e) {
        node.status({ fill: 'red', shape: 'dot', text: e.code || 'error' });
        done(e);
      }
    });
  }
  RED.nodes.registerType('enms-baseline', EnmsBaselineNode);
};
