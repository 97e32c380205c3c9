'use strict';
// enms-forecast: a series in (msg.payload), its forecast with prediction intervals out
// (logic in src/core/forecast.js; the model is enms').
const enms = require('enms');
const { specOf, levelsOf, list, forecastPayload } = require('../src/core/forecast');

module.exports = function register(RED) {
  function EnmsForecastNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    let settings;
    try {
      settings = {
        spec: specOf(config),
        horizon: Number(config.horizon),
        levels: levelsOf(config.levels),
        target: config.target || 'y',
        regressors: list(config.regressors),
      };
    } catch (e) {
      node.error(`${e.code || 'Error'}: ${e.message}`);
      node.status({ fill: 'red', shape: 'dot', text: e.code || 'error' });
    }

    node.on('input', (msg, send, done) => {
      if (!settings) return done();
      node.status({ fill: 'blue', shape: 'ring', text: 'fitting' });
      const horizon = Number.isInteger(msg.horizon) && msg.horizon > 0 ? msg.horizon : settings.horizon;
      forecastPayload(enms, msg.payload, { ...settings, horizon })
        .then((forecast) => {
          node.status({ fill: 'green', shape: 'dot', text: `${forecast.mean.length} steps, ${forecast.model}` });
          msg.payload = forecast;
          send(msg);
          done();
        })
        .catch((e) => {
          node.status({ fill: 'red', shape: 'dot', text: e.code || 'error' });
          done(e);
        });
    });
  }
  RED.nodes.registerType('enms-forecast', EnmsForecastNode);
};
