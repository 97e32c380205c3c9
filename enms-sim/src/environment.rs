//! The factory-wide drivers of every machine, one value per UTC minute: outdoor climate, the
//! production plan (shifts, breaks, weekends) and the supply grid.
//!
//! * Outdoor temperature (C): `T = mean + A_year * s(doy) + A_day(doy) * cos(2 pi (h - 15) / 24) + w`,
//!   with `s(doy) = -cos(2 pi (doy - coldest) / 365.25)` (-1 on the coldest day), a daily cycle that
//!   peaks at 15:00 local and is 35 % wider in summer than in winter, and a weather anomaly `w`,
//!   an AR(1) process with the configured standard deviation and correlation time (default
//!   3.5 C, 60 h), which gives Central-European day-to-day variability. Defaults: ~0 C mean in
//!   January, ~19 C in July.
//! * Relative humidity (%): higher in winter and at night, plus an AR(1) anomaly; barometric
//!   pressure (hPa): 1013 plus an AR(1) anomaly (sd 8 hPa, 36 h).
//! * Indoor temperature (C): a first-order lag (tau 2 h) towards 21 C when staffed and 19 C
//!   otherwise, floating up in hot weather.
//! * Production activity (0..1): the shift plan's load for the weekday of the shift start and the
//!   shift, times a random factor per shift instance (order book, sd 8 %), ramping up over the
//!   first minutes of a shift and zero during the break.
//! * Grid: voltage per unit (sd 0.7 %, AR(1) 30 min) and frequency (50 Hz, sd 0.018 Hz, AR(1)
//!   5 min), shared by all electric meters.

use chrono_tz::Tz;
use enms_core::time::{Timestamp, MICROS_PER_MINUTE};

use crate::calendar::{self, LocalMinute};
use crate::config::{ClimateConfig, ShiftPlan};
use crate::output::EnvironmentTable;
use crate::rng::{stream, Ar1, Rng};

/// Factory-wide drivers of one UTC minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MinuteDrivers {
    /// UTC minute index (minutes since the epoch).
    pub minute: i64,
    /// Outdoor temperature, C.
    pub outdoor_temp_c: f64,
    /// Planned production activity, 0..1 (zero in breaks and unstaffed shifts).
    pub activity: f64,
    /// Whether the current shift is staffed (its planned load is above zero).
    pub staffed: bool,
    /// Occupancy of the building, 0..1.
    pub occupancy: f64,
    /// Local hour of day, fractional.
    pub hour_of_day: f64,
    /// Grid voltage, per unit of 400 V.
    pub voltage_pu: f64,
    /// Grid frequency, Hz.
    pub frequency_hz: f64,
}

impl MinuteDrivers {
    /// Start of the minute, UTC microseconds.
    pub fn start(&self) -> Timestamp {
        self.minute * MICROS_PER_MINUTE
    }
}

/// State of the factory-wide processes, advanced minute by minute.
#[derive(Debug, Clone)]
pub(crate) struct Environment {
    factory_id: String,
    tz: Tz,
    climate: ClimateConfig,
    shifts: ShiftPlan,
    rng: Rng,
    weather: Ar1,
    humidity: Ar1,
    pressure: Ar1,
    voltage: Ar1,
    frequency: Ar1,
    indoor_c: f64,
    shift_key: i64,
    shift_factor: f64,
    /// Next minute not yet computed, and the last computed one (reused when a chunk ends
    /// inside a minute).
    next_minute: i64,
    last: Option<MinuteDrivers>,
    session_start: Timestamp,
}

impl Environment {
    pub fn new(
        factory_id: &str,
        tz: Tz,
        climate: &ClimateConfig,
        shifts: &ShiftPlan,
        seed: u64,
        start: Timestamp,
    ) -> Self {
        let mut rng = Rng::stream(seed, stream::id(stream::ENVIRONMENT, u32::MAX));
        let weather = Ar1::new(climate.weather_tau_h * 60.0, climate.weather_sd_c, &mut rng);
        let humidity = Ar1::new(12.0 * 60.0, 1.0, &mut rng);
        let pressure = Ar1::new(36.0 * 60.0, 8.0, &mut rng);
        let voltage = Ar1::new(30.0, 1.0, &mut rng);
        let frequency = Ar1::new(5.0, 1.0, &mut rng);
        Environment {
            factory_id: factory_id.to_string(),
            tz,
            climate: climate.clone(),
            shifts: shifts.clone(),
            rng,
            weather,
            humidity,
            pressure,
            voltage,
            frequency,
            indoor_c: f64::NAN,
            shift_key: i64::MIN,
            shift_factor: 1.0,
            next_minute: calendar::minute_of(start),
            last: None,
            session_start: start,
        }
    }

    /// Drivers of the minutes `[m0, m1)`; minutes computed for the first time are appended to
    /// `table` every 5 minutes (when they start inside the session).
    pub fn drivers(
        &mut self,
        m0: i64,
        m1: i64,
        table: &mut EnvironmentTable,
    ) -> Vec<MinuteDrivers> {
        let mut out = Vec::with_capacity((m1 - m0).max(0) as usize);
        if let Some(last) = self.last {
            if last.minute >= m0 && last.minute < m1 {
                out.push(last);
            }
        }
        let first_new = self.next_minute.max(m0);
        if first_new >= m1 {
            return out;
        }
        let offsets = calendar::offsets(self.tz, first_new, m1);
        for (k, off) in offsets.iter().enumerate() {
            let m = first_new + k as i64;
            let lm = calendar::local_minute(m, i64::from(*off));
            let d = self.step(m, &lm, table);
            out.push(d);
        }
        self.next_minute = m1;
        self.last = out.last().copied();
        out
    }

    fn step(&mut self, m: i64, lm: &LocalMinute, table: &mut EnvironmentTable) -> MinuteDrivers {
        let c = &self.climate;
        let rng = &mut self.rng;
        let hour = f64::from(lm.minute_of_day) / 60.0;
        let doy = f64::from(lm.day_of_year) - 1.0 + hour / 24.0;
        let season = -(std::f64::consts::TAU * (doy - c.coldest_day_of_year) / 365.25).cos();
        let daily_mean = c.annual_mean_c + c.annual_amplitude_c * season;
        let diurnal = (std::f64::consts::TAU * (hour - 15.0) / 24.0).cos();
        let amp = c.daily_amplitude_c * (1.0 + 0.35 * season);
        let w = self.weather.step(rng);
        let outdoor = daily_mean + amp * diurnal + w;

        // Production plan.
        let plan = self.shifts.load[lm.shift_weekday as usize % 7][lm.shift.index()];
        let key = lm.shift_day * 3 + lm.shift.index() as i64;
        if key != self.shift_key {
            self.shift_key = key;
            self.shift_factor = (1.0 + 0.08 * rng.normal()).clamp(0.75, 1.15);
        }
        let staffed = plan > 0.0;
        let ms = lm.minute_of_shift;
        let in_break = ms >= self.shifts.break_after_min
            && ms < self.shifts.break_after_min + self.shifts.break_min;
        let ramp = if ms < self.shifts.ramp_min {
            0.4 + 0.6 * f64::from(ms) / f64::from(self.shifts.ramp_min.max(1))
        } else {
            1.0
        };
        let activity = if !staffed || in_break {
            0.0
        } else {
            (plan * self.shift_factor * ramp).clamp(0.0, 1.0)
        };
        let occupancy = if staffed { 0.3 + 0.7 * plan } else { 0.05 };

        // Humidity, pressure, indoor climate.
        let h = self.humidity.step(rng);
        let humidity = (72.5 - 7.5 * season - 12.0 * diurnal + 10.0 * h).clamp(20.0, 100.0);
        let pressure = (1013.0 + self.pressure.step(rng)).clamp(960.0, 1050.0);
        let indoor_target = if staffed { 21.0 } else { 19.0 } + 0.3 * (outdoor - 20.0).max(0.0);
        if self.indoor_c.is_nan() {
            self.indoor_c = indoor_target;
        }
        self.indoor_c += (indoor_target - self.indoor_c) * (1.0 - (-1.0f64 / 120.0).exp());

        // Grid.
        let voltage_pu = 1.0 + 0.007 * self.voltage.step(rng).clamp(-2.0, 2.0);
        let frequency_hz = 50.0 + 0.018 * self.frequency.step(rng).clamp(-2.5, 2.5);

        let d = MinuteDrivers {
            minute: m,
            outdoor_temp_c: outdoor,
            activity,
            staffed,
            occupancy,
            hour_of_day: hour,
            voltage_pu,
            frequency_hz,
        };
        if m.rem_euclid(5) == 0 && d.start() >= self.session_start {
            table.factory_id.clone_from(&self.factory_id);
            table.ts.push(d.start());
            table
                .outdoor_temp_c
                .push(round1(outdoor + 0.1 * self.rng.normal()));
            table
                .indoor_temp_c
                .push(round1(self.indoor_c + 0.1 * self.rng.normal()));
            table.humidity_pct.push(round1(humidity));
            table.pressure_hpa.push(round1(pressure));
        }
        d
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
