//! Modelling tables (enms-core `baseline::dataset`): power readings and driver readings to one row
//! per model period (local days by default) with the energy and every driver aligned, and the
//! periods without enough data left out and listed. A table fits a `Baseline` directly.

use enms_core::baseline::dataset::{
    Aggregation, DriverData, ModellingTable as CoreTable, PeriodDriver, TableSpec,
};
use enms_core::baseline::DriverValues;
use enms_core::PowerView;
use napi::bindgen_prelude::{AsyncTask, Float64Array};
use napi::{Env, JsObject};
use napi_derive::napi;

use crate::baseline::{baseline_options, Baseline, BaselineOptionsJs, PeriodJs};
use crate::convert::{
    from_json, ms_column, number_column, range, readings, seconds_to_us, time_column, us_to_ms,
    NumberColumn, RangeJs, Readings, ReadingsData, TimeColumn,
};
use crate::error::{run, Fallible};
use crate::rollup::bucketing;
use crate::task::Job;

/// A driver of a table: its name, how its readings become one value per period, and the
/// readings (none for the calendar drivers `day_type` and `shift`).
#[napi(object, js_name = "TableDriver")]
pub struct TableDriverJs {
    /// Column name (`production`, `hdd`, ...).
    pub name: String,
    /// `sum` (quantities labelled by the end of their interval), `mean` (time-weighted),
    /// `heating_degree_days`, `cooling_degree_days` (from local-day means), `operating_hours`
    /// (0/1 running flag), `day_type` (weekday/weekend), `shift`.
    pub aggregation: String,
    /// Degree-day base temperature, °C (enms' default when absent: 18 heating, 21 cooling).
    pub base_c: Option<f64>,
    /// `shift`: local hour the first shift starts (enms' default when absent).
    pub start_h: Option<u32>,
    /// `shift`: hours per shift (enms' default when absent).
    pub shift_h: Option<u32>,
    /// Longest interval between two of its readings that is still data, seconds (by default the
    /// larger of the table's and twice the readings' median interval).
    pub max_gap_s: Option<f64>,
    /// Reading times (interval ends for `sum`).
    #[napi(ts_type = "Float64Array | BigInt64Array | Array<number | string>")]
    pub ts: Option<TimeColumn>,
    /// Reading values.
    #[napi(ts_type = "Float64Array | number[]")]
    pub values: Option<NumberColumn>,
}

/// Options of a table; absent fields keep enms' defaults (local days, 90 % coverage, the
/// rollups' 5-minute gap).
#[napi(object, js_name = "TableOptions")]
pub struct TableOptionsJs {
    /// The range `[start, end)` to cover.
    pub range: RangeJs,
    /// Period width: `1d`, `1w`, `1mo`, `1h`, ... (default: the local day).
    pub period: Option<String>,
    /// IANA time zone of the periods and degree-days; UTC when absent.
    pub timezone: Option<String>,
    /// Least coverage of every column for a period to be kept, in (0, 1].
    pub min_coverage: Option<f64>,
    /// Longest interval between two power readings that is still data, seconds.
    pub max_gap_s: Option<f64>,
}

fn aggregation(d: &TableDriverJs) -> Fallible<Aggregation> {
    let a = match d.aggregation.as_str() {
        "heating_degree_days" => match d.base_c {
            Some(base_c) => Aggregation::HeatingDegreeDays { base_c },
            None => Aggregation::hdd(),
        },
        "cooling_degree_days" => match d.base_c {
            Some(base_c) => Aggregation::CoolingDegreeDays { base_c },
            None => Aggregation::cdd(),
        },
        "shift" => match Aggregation::shift() {
            Aggregation::Shift { start_h, shift_h } => Aggregation::Shift {
                start_h: from_json("start_h", d.start_h.unwrap_or(start_h.into()).into())?,
                shift_h: from_json("shift_h", d.shift_h.unwrap_or(shift_h.into()).into())?,
            },
            other => other,
        },
        kind => from_json("aggregation", serde_json::json!({ "kind": kind }))?,
    };
    Ok(a)
}

/// Everything a table needs, converted on the main thread.
struct TableInput {
    spec: TableSpec,
    range: enms_core::time::TimeRange,
    power: ReadingsData,
    data: Vec<(Vec<i64>, Vec<f64>)>,
}

fn table_input(
    power: &Readings,
    drivers: &[TableDriverJs],
    o: &TableOptionsJs,
) -> Fallible<TableInput> {
    let period = o
        .period
        .as_deref()
        .unwrap_or(enms_core::baseline::dataset::DEFAULT_PERIOD);
    let mut specs = Vec::with_capacity(drivers.len());
    let mut data = Vec::with_capacity(drivers.len());
    for d in drivers {
        let mut p = PeriodDriver::new(&d.name, aggregation(d)?);
        if let Some(s) = d.max_gap_s {
            p = p.with_max_gap_us(seconds_to_us(s, "max_gap_s")?);
        }
        specs.push(p);
        data.push((
            match &d.ts {
                Some(ts) => time_column(ts, &d.name)?,
                None => Vec::new(),
            },
            d.values.as_ref().map(number_column).unwrap_or_default(),
        ));
    }
    let mut spec = TableSpec::new(bucketing(period, o.timezone.as_deref())?, specs);
    if let Some(c) = o.min_coverage {
        spec.min_coverage = c;
    }
    if let Some(s) = o.max_gap_s {
        spec.max_gap_us = seconds_to_us(s, "max_gap_s")?;
    }
    Ok(TableInput {
        spec,
        range: range(&o.range)?,
        power: readings(power)?,
        data,
    })
}

fn table_run(i: TableInput) -> Fallible<CoreTable> {
    let data: Vec<DriverData<'_>> = i
        .data
        .iter()
        .map(|(ts, v)| DriverData::new(ts, v))
        .collect();
    Ok(CoreTable::build(
        &i.spec,
        i.range,
        PowerView::new(&i.power.ts, &i.power.power_kw)?,
        &data,
    )?)
}

/// A column that kept a period out of the table.
#[napi(object, js_name = "Shortfall")]
pub struct ShortfallJs {
    /// Column name (`energy_kwh` or a driver).
    pub column: String,
    /// Its coverage of the period, 0..1.
    pub coverage: f64,
}

/// A period left out, with every column that fell short.
#[napi(object, js_name = "DroppedPeriod")]
pub struct DroppedPeriodJs {
    /// Period start, ms.
    pub start: f64,
    /// Period end, ms.
    pub end: f64,
    /// Columns with too little data.
    pub shortfalls: Vec<ShortfallJs>,
}

/// Energy and drivers per period, aligned; periods with incomplete data left out and listed.
#[napi]
pub struct ModellingTable {
    inner: CoreTable,
}

impl From<CoreTable> for ModellingTable {
    fn from(t: CoreTable) -> Self {
        ModellingTable { inner: t }
    }
}

#[napi]
impl ModellingTable {
    /// Starts of the kept periods, ms.
    #[napi(getter)]
    pub fn start(&self) -> Float64Array {
        ms_column(&self.inner.start)
    }

    /// Ends of the kept periods, ms.
    #[napi(getter)]
    pub fn end(&self) -> Float64Array {
        ms_column(&self.inner.end)
    }

    /// Energy per kept period, kWh.
    #[napi(getter)]
    pub fn energy_kwh(&self) -> Float64Array {
        Float64Array::new(self.inner.energy_kwh.clone())
    }

    /// The driver columns, by name in the table's order (numbers, or strings for calendar
    /// drivers): what `fitBaseline` and `performance` take.
    #[napi(getter, ts_return_type = "Record<string, Float64Array | string[]>")]
    pub fn drivers(&self, env: Env) -> napi::Result<JsObject> {
        let mut obj = env.create_object()?;
        for d in &self.inner.drivers {
            match &d.values {
                DriverValues::Numeric(v) => {
                    obj.set_named_property(&d.name, Float64Array::new(v.clone()))?
                }
                DriverValues::Categorical(v) => obj.set_named_property(&d.name, v.clone())?,
            }
        }
        Ok(obj)
    }

    /// The range the table covers, ms.
    #[napi(getter)]
    pub fn range(&self) -> PeriodJs {
        PeriodJs {
            start: us_to_ms(self.inner.range.start),
            end: us_to_ms(self.inner.range.end),
        }
    }

    /// Periods in the range, kept and dropped.
    #[napi(getter)]
    pub fn periods_total(&self) -> u32 {
        self.inner.periods_total as u32
    }

    /// Periods left out and why.
    #[napi(getter)]
    pub fn dropped(&self) -> Vec<DroppedPeriodJs> {
        self.inner
            .dropped
            .iter()
            .map(|d| DroppedPeriodJs {
                start: us_to_ms(d.start),
                end: us_to_ms(d.end),
                shortfalls: d
                    .shortfalls
                    .iter()
                    .map(|s| ShortfallJs {
                        column: s.column.clone(),
                        coverage: s.coverage,
                    })
                    .collect(),
            })
            .collect()
    }

    /// The recipe (enms-core's serde form, as the server stores it with a model): periods,
    /// drivers and data rules.
    #[napi(getter, ts_return_type = "Record<string, any>")]
    pub fn spec(&self, env: Env) -> napi::Result<serde_json::Value> {
        run(env, || {
            serde_json::to_value(&self.inner.spec).map_err(|e| {
                enms_core::Error::InvalidParameter {
                    name: "spec".into(),
                    reason: e.to_string(),
                }
                .into()
            })
        })
    }

    /// Fits a baseline of the energy on the drivers; the training period is the table's range
    /// unless the options name one.
    #[napi(ts_args_type = "options?: BaselineOptions")]
    pub fn fit(&self, env: Env, options: Option<BaselineOptionsJs>) -> napi::Result<Baseline> {
        run(env, || {
            Ok(self.inner.fit(&baseline_options(options.as_ref())?)?.into())
        })
    }
}

/// Builds a modelling table from power readings and driver readings, on the calling thread.
#[napi(
    ts_args_type = "power: ReadingRecord[] | ReadingColumns, drivers: TableDriver[], options: TableOptions"
)]
pub fn modelling_table_sync(
    env: Env,
    power: Readings,
    drivers: Vec<TableDriverJs>,
    options: TableOptionsJs,
) -> napi::Result<ModellingTable> {
    run(env, || {
        Ok(table_run(table_input(&power, &drivers, &options)?)?.into())
    })
}

/// Builds a modelling table off the main thread.
#[napi(
    ts_args_type = "power: ReadingRecord[] | ReadingColumns, drivers: TableDriver[], options: TableOptions",
    ts_return_type = "Promise<ModellingTable>"
)]
pub fn modelling_table(
    env: Env,
    power: Readings,
    drivers: Vec<TableDriverJs>,
    options: TableOptionsJs,
) -> napi::Result<AsyncTask<Job<CoreTable, ModellingTable>>> {
    let input = run(env, || table_input(&power, &drivers, &options))?;
    Ok(AsyncTask::new(Job::new(
        move || table_run(input),
        ModellingTable::from,
    )))
}
