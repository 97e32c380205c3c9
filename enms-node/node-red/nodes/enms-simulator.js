'use strict';
// enms-simulator: emits simulated factory readings on a timer, and optionally the hourly energy of
// the days before (logic in src/core/simulator.js).
const enms = require('enms');
const { TimedSimulator, parseMachineList, historyMessages } = require('../src/core/simulator');

module.exports = function register(RED) {
  function EnmsSimulatorNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    let sim = null;
    let timer = null;
    let closed = false;

    function stop() {
      if (timer) clearInterval(timer);
      timer = null;
      node.status({ fill: 'grey', shape: 'ring', text: 'stopped' });
    }

    function start() {
      stop();
      try {
        sim = new TimedSimulator(enms, {
          seed: Number(config.seed),
          machines: parseMachineList(config.machines),
          speed: Number(config.speed),
          start: config.start ? config.start : undefined,
        });
      } catch (e) {
        node.error(`${e.code || 'Error'}: ${e.message}`);
        node.status({ fill: 'red', shape: 'dot', text: e.code || 'error' });
        return;
      }
      timer = setInterval(tick, Number(config.intervalMs));
      node.status({ fill: 'green', shape: 'dot', text: `x${config.speed}` });
      // the hours before the stream starts, for forecasts and baselines (third output)
      const days = Number(config.historyDays || 0);
      if (days > 0) {
        historyMessages(enms, { seed: Number(config.seed), machines: parseMachineList(config.machines), days, end: sim.session.now })
          .then((msgs) => msgs.forEach((m) => !closed && node.send([null, null, m])))
          .catch((e) => !closed && node.error(`${e.code || 'Error'}: ${e.message}`));
      }
    }

    function tick() {
      try {
        const [readings, production] = sim.poll();
        if (readings || production) node.send([readings, production]);
        node.status({ fill: 'green', shape: 'dot', text: new Date(sim.session.now).toISOString() });
      } catch (e) {
        stop();
        node.error(`${e.code || 'Error'}: ${e.message}`);
      }
    }

    node.on('input', (msg, send, done) => {
      if (msg.payload === 'stop') stop();
      else start();
      done();
    });
    node.on('close', (done) => {
      closed = true;
      stop();
      done();
    });
    if (config.autostart) start();
    else stop();
  }
  RED.nodes.registerType('enms-simulator', EnmsSimulatorNode);
};
