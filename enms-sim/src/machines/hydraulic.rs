//! Hydraulic power unit of a press, producing in batches.
//!
//! Production runs in batches of one material (recipe): a batch of ~`batch_size_mean` parts
//! (normal, sd 25 %), then a tool change of `setup_min` minutes (operators only change tools in
//! staffed shifts). In production the press makes `max_strokes_per_min x activity` strokes per
//! minute, one part per stroke. The meter's interval (30 s) is longer than a stroke, so the
//! reported power is the duty-cycle mean:
//!
//! * pressing: hydraulic power `p [bar] x Q [l/min] / 600` divided by the overall efficiency
//!   (`efficiency`, 0.8); the pump flow `Q` is sized so that 200 bar takes 95 % of rated power;
//! * standby (pressure-compensated, 150 bar): `standby_frac x rated` (0.18);
//! * `P = P_standby + duty x (P_press - P_standby)`, `duty = strokes/min x press_s / 60`.
//!
//! A worn pump (`efficiency_loss`) has internal leakage: efficiency x (1 - severity) and 50 % of
//! the severity more standby power, so energy per part rises. `stuck_on` keeps the pump running
//! at standby outside shifts; `breakdown` stops it. Process data: `pressure_bar` (sampled at the
//! meter interval: the pressing pressure of the recipe with probability `duty`, else standby
//! pressure; 0 when the pump is off).

use enms_core::model::{AlertLevel, OperatingMode};
use enms_core::time::Timestamp;

use super::{MachineActivity, MinuteSummary, Physics};
use crate::config::HydraulicParams;
use crate::environment::MinuteDrivers;
use crate::faults::FaultEffects;
use crate::rng::Rng;

/// Hydraulic pump state.
#[derive(Debug, Clone)]
pub(crate) struct HydraulicPump {
    prm: HydraulicParams,
    rated_kw: f64,
    dt_s: f64,
    flow_lpm: f64,
    activity: MachineActivity,
    mode: OperatingMode,
    running: bool,
    material: usize,
    batch_left: f64,
    setup_left_min: f64,
    strokes_per_min: f64,
    stroke_acc: f64,
    duty: f64,
    efficiency: f64,
    standby_kw: f64,
    power_kw: f64,
}

impl HydraulicPump {
    pub fn new(prm: &HydraulicParams, rated_kw: f64, dt_s: f64, rng: &mut Rng) -> Self {
        let shares: Vec<f64> = prm.materials.iter().map(|m| m.share).collect();
        let material = rng.weighted(&shares);
        let batch_left = (rng.f64() * prm.batch_size_mean).round();
        HydraulicPump {
            prm: prm.clone(),
            rated_kw,
            dt_s,
            flow_lpm: 0.95 * rated_kw * 600.0 * prm.efficiency / 200.0,
            activity: MachineActivity::new(rng),
            mode: OperatingMode::Off,
            running: false,
            material,
            batch_left,
            setup_left_min: 0.0,
            strokes_per_min: 0.0,
            stroke_acc: 0.0,
            duty: 0.0,
            efficiency: prm.efficiency,
            standby_kw: 0.0,
            power_kw: 0.0,
        }
    }

    pub fn materials(&self) -> Vec<String> {
        self.prm.materials.iter().map(|m| m.name.clone()).collect()
    }

    fn new_batch(&mut self, rng: &mut Rng) {
        let shares: Vec<f64> = self.prm.materials.iter().map(|m| m.share).collect();
        self.material = rng.weighted(&shares);
        self.batch_left = (self.prm.batch_size_mean * (1.0 + 0.25 * rng.normal()))
            .round()
            .max(20.0);
        let [lo, hi] = self.prm.setup_min;
        self.setup_left_min = rng.uniform(lo, hi).round();
    }
}

impl Physics for HydraulicPump {
    fn process_quantities(&self) -> &'static [(&'static str, &'static str)] {
        &[("pressure_bar", "bar")]
    }

    fn begin_minute(&mut self, d: &MinuteDrivers, fx: &FaultEffects, rng: &mut Rng) {
        let act = self.activity.of(d, rng);
        let loss = 1.0 - fx.efficiency;
        self.efficiency = self.prm.efficiency * fx.efficiency;
        self.standby_kw = self.rated_kw * self.prm.standby_frac * (1.0 + 0.5 * loss);
        self.strokes_per_min = 0.0;
        self.duty = 0.0;
        if fx.breakdown {
            self.mode = OperatingMode::Off;
        } else if d.staffed && (self.setup_left_min > 0.0 || (self.batch_left <= 0.0 && act > 0.02))
        {
            if self.setup_left_min <= 0.0 {
                self.new_batch(rng);
            }
            self.setup_left_min -= 1.0;
            self.mode = OperatingMode::Setup;
        } else if act > 0.02 && self.batch_left > 0.0 {
            self.mode = OperatingMode::Production;
            self.strokes_per_min = self.prm.max_strokes_per_min * act;
            let press_s = self.prm.materials[self.material].press_s;
            self.duty = (self.strokes_per_min * press_s / 60.0).min(1.0);
        } else if d.staffed {
            self.mode = OperatingMode::Idle;
        } else {
            self.mode = OperatingMode::Off;
        }
        let pump_on = fx.stuck_on || self.mode != OperatingMode::Off;
        self.running = pump_on && !fx.breakdown;
        self.power_kw = if !self.running {
            0.005 * self.rated_kw
        } else {
            let p_bar = self.prm.materials[self.material].pressure_bar;
            let press_kw = p_bar * self.flow_lpm / 600.0 / self.efficiency;
            (self.standby_kw + self.duty * (press_kw - self.standby_kw)).min(self.rated_kw)
        };
    }

    #[inline]
    fn power(&mut self, _ts: Timestamp, _rng: &mut Rng) -> f64 {
        self.stroke_acc += self.strokes_per_min * self.dt_s / 60.0;
        self.power_kw
    }

    fn process(&mut self, out: &mut [f64], rng: &mut Rng) {
        let standby = self.prm.standby_pressure_bar;
        out[0] = if !self.running {
            0.0
        } else if rng.chance(self.duty) {
            let set = self.prm.materials[self.material].pressure_bar;
            (set + 1.5 * rng.normal()).clamp(standby, 200.0)
        } else {
            (standby + rng.normal().abs()).clamp(standby, 200.0)
        };
    }

    fn end_minute(&mut self, _m_end: Timestamp, _rng: &mut Rng) -> MinuteSummary {
        let count = self.stroke_acc.floor().min(self.batch_left.max(0.0));
        self.stroke_acc -= self.stroke_acc.floor();
        self.batch_left -= count;
        let producing = self.mode == OperatingMode::Production;
        MinuteSummary {
            production_count: count,
            throughput_per_hour: if producing {
                (self.strokes_per_min * 60.0).round()
            } else {
                0.0
            },
            mode: self.mode,
            material: self.material as u8,
        }
    }

    fn running(&self) -> bool {
        self.running
    }

    fn alert(&self) -> AlertLevel {
        AlertLevel::Normal
    }
}
