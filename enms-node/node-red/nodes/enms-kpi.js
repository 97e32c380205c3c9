'use strict';
// enms-kpi: the enms KPI report per window of incoming readings (logic in src/core/kpi.js).
const enms = require('enms');
const { WindowedKpis } = require('../src/core/kpi');
const { split } = require('../src/core/records');

module.exports = function register(RED) {
  function EnmsKpiNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    let kpis;
    try {
      const settings = {};
      if (config.timezone) settings.timezone = config.timezone;
      if (config.demandWindowMinutes) settings.demand = { windowMinutes: Number(config.demandWindowMinutes) };
      if (config.electricityKgPerKwh !== '' && config.electricityKgPerKwh != null) {
        settings.carbonFactors = { electricity: Number(config.electricityKgPerKwh) };
      }
      if (config.ratePerKwh !== '' && config.ratePerKwh != null) {
        settings.tariff = enms.flatTariff(config.currency, Number(config.ratePerKwh), config.timezone || 'UTC', '1970-01-01');
      }
      kpis = new WindowedKpis(enms, {
        window: config.window,
        timezone: config.timezone || undefined,
        settings,
        machineDefaults: {
          factoryId: config.factoryId,
          machineType: config.machineType,
          carrier: config.carrier,
          ratedPowerKw: 0,
          intervalS: 0,
        },
      });
    } catch (e) {
      node.error(`${e.code || 'Error'}: ${e.message}`);
      node.status({ fill: 'red', shape: 'dot', text: e.code || 'error' });
    }

    node.on('input', (msg, send, done) => {
      if (!kpis) return done();
      try {
        kpis.learnMachines(msg.machines);
        const { readings, production } = split(msg.payload);
        const reports = msg.topic === 'flush' ? kpis.flush() : kpis.push(readings, production);
        for (const { window, report } of reports) {
          if (report) send({ topic: 'kpi', window, payload: report });
        }
        done();
      } catch (e) {
        done(e);
      }
    });
  }
  RED.nodes.registerType('enms-kpi', EnmsKpiNode);
};
