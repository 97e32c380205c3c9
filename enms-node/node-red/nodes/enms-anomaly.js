'use strict';
// enms-anomaly: readings of a reference period and a period to judge (or residuals of a baseline)
// in msg.payload, anomaly events out (logic in src/core/anomaly.js; the detection is enms').
const enms = require('enms');
const { ruleOf, detectOptionsOf, detectPayload, residualEvents } = require('../src/core/anomaly');

module.exports = function register(RED) {
  function EnmsAnomalyNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const input = config.input === 'residuals' ? 'residuals' : 'readings';
    let settings;
    try {
      settings =
        input === 'readings'
          ? { options: detectOptionsOf(config) }
          : {
              rule: ruleOf(config),
              maxGap: config.maxGap !== '' && config.maxGap != null ? Number(config.maxGap) : undefined,
              periodS: config.periodS !== '' && config.periodS != null ? Number(config.periodS) : undefined,
            };
    } catch (e) {
      node.error(`${e.code || 'Error'}: ${e.message}`);
      node.status({ fill: 'red', shape: 'dot', text: e.code || 'error' });
    }

    const sent = (msg, send, done) => (events) => {
      node.status(
        events.length
          ? { fill: 'red', shape: 'dot', text: `${events.length} event${events.length > 1 ? 's' : ''}` }
          : { fill: 'green', shape: 'dot', text: 'no events' },
      );
      msg.payload = events;
      send(msg);
      done();
    };
    const failed = (done) => (e) => {
      node.status({ fill: 'red', shape: 'dot', text: e.code || 'error' });
      done(e);
    };

    node.on('input', (msg, send, done) => {
      if (!settings) return done();
      if (input === 'residuals') {
        try {
          sent(msg, send, done)(residualEvents(enms, msg, settings));
        } catch (e) {
          failed(done)(e);
        }
        return undefined;
      }
      node.status({ fill: 'blue', shape: 'ring', text: 'detecting' });
      Promise.resolve()
        .then(() => detectPayload(enms, msg, settings.options))
        .then(sent(msg, send, done))
        .catch(failed(done));
      return undefined;
    });
  }
  RED.nodes.registerType('enms-anomaly', EnmsAnomalyNode);
};
