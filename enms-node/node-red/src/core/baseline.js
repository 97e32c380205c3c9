'use strict';
/**
 * Baseline monitor: periods (days, say) of one or several machines arrive in time order, as rows
 * `{ machineId?, start?, end?, <target>, <driver>... }` (an `enms-rollup` row with its drivers
 * added, for instance). The first `trainingPeriods` rows of a machine train an enms energy
 * baseline (`fitBaselineSync`: OLS on the named drivers, numbers numeric and strings categorical,
 * checked against the gate sets); every later row is compared with it (`performanceSync` over the
 * reporting rows so far: expected, deviation, CUSUM, EnPI index, savings and their uncertainty).
 * Every formula, default and gate comes from enms; this module only keeps the rows.
 */

/** A column of row values for enms: strings stay strings (categorical), the rest become numbers (NaN when absent, which enms names). */
function column(values) {
  if (values.length && values.every((v) => typeof v === 'string')) return values.slice();
  return Float64Array.from(values, (v) => (typeof v === 'number' ? v : NaN));
}

class BaselineMonitor {
  /**
   * @param {object} enms the `enms` addon
   * @param {{ drivers: string[], target: string, trainingPeriods: number, fit?: object, performance?: object }} options
   *   `fit` and `performance` are the options of `fitBaseline` and `performance` (enms' defaults
   *   for whatever they leave out)
   */
  constructor(enms, options) {
    if (!Number.isInteger(options.trainingPeriods) || options.trainingPeriods < 1) {
      throw new Error(`trainingPeriods must be a positive whole number of periods, got ${options.trainingPeriods}`);
    }
    this.enms = enms;
    this.drivers = options.drivers;
    this.target = options.target;
    this.trainingPeriods = options.trainingPeriods;
    this.fitOptions = options.fit ?? {};
    this.performanceOptions = options.performance ?? {};
    /** machineId -> { training: row[], reporting: row[], baseline: Baseline | null } */
    this.machines = new Map();
  }

  state(machineId) {
    let s = this.machines.get(machineId);
    if (!s) {
      s = { training: [], reporting: [], baseline: null };
      this.machines.set(machineId, s);
    }
    return s;
  }

  columns(rows) {
    return Object.fromEntries(this.drivers.map((d) => [d, column(rows.map((r) => r[d]))]));
  }

  actual(rows) {
    return column(rows.map((r) => r[this.target]));
  }

  fit(machineId, s) {
    const rows = s.training;
    const fit = { ...this.fitOptions };
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (fit.training === undefined && first.start != null && last.end != null) {
      fit.training = { start: first.start, end: last.end };
    }
    s.baseline = this.enms.fitBaselineSync(this.actual(rows), this.columns(rows), fit);
    const b = s.baseline;
    return {
      kind: 'baseline',
      machineId,
      passed: b.passed,
      failures: b.failures,
      gates: b.gates,
      coefficients: b.coefficients,
      rSquared: b.rSquared,
      adjRSquared: b.adjRSquared,
      cvRmsePct: b.cvRmsePct,
      nmbePct: b.nmbePct,
      n: b.n,
      training: b.training,
      model: b.toJSON(),
    };
  }

  report(machineId, s) {
    const rows = s.reporting;
    const r = s.baseline.performanceSync(this.actual(rows), this.columns(rows), this.performanceOptions);
    const i = rows.length - 1;
    const row = rows[i];
    return {
      kind: 'performance',
      machineId,
      start: row.start ?? null,
      end: row.end ?? null,
      actual: r.actual[i],
      expected: r.expected[i],
      deviation: r.deviation[i],
      cusum: r.cusum[i],
      periods: rows.length,
      enpiIndex: r.enpiIndex,
      savings: r.savings,
      savingsFraction: r.savingsFraction,
      savingsLow: r.savingsLow,
      savingsHigh: r.savingsHigh,
      savingsUncertainty: r.savingsUncertainty,
      fractionalSavingsUncertainty: r.fractionalSavingsUncertainty ?? null,
      confidence: r.confidence,
      baselinePassed: r.baselinePassed,
    };
  }

  /**
   * Adds rows (in time order per machine; `machineId` absent: one series) and returns, in order,
   * a `baseline` message when a machine's training window is full and a `performance` message
   * for every reporting row. An enms error (a NaN driver, a failed model given to `performance`)
   * is thrown with its `code` and `field`; the row that caused it is not kept.
   */
  push(rows) {
    const out = [];
    for (const row of rows) {
      const id = row.machineId ?? '';
      const s = this.state(id);
      if (!s.baseline) {
        s.training.push(row);
        if (s.training.length === this.trainingPeriods) {
          try {
            out.push(this.fit(id, s));
          } catch (e) {
            s.training = [];
            throw e;
          }
        }
        continue;
      }
      s.reporting.push(row);
      try {
        out.push(this.report(id, s));
      } catch (e) {
        s.reporting.pop();
        throw e;
      }
    }
    return out;
  }

  /** Forgets a machine (all machines without an id): the next rows train a new baseline. */
  reset(machineId) {
    if (machineId == null) this.machines.clear();
    else this.machines.delete(machineId);
  }
}

module.exports = { BaselineMonitor, column };
