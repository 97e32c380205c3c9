//! Faults and sensor dropouts of one machine.
//!
//! Random faults arrive as a Poisson process with rate `fault_rate_per_machine_day` (exponential
//! inter-arrival times, drawn from the machine's own fault stream, so the schedule does not change
//! when faults are injected or the physics changes). Each fault starts on a whole minute, lasts a
//! log-uniformly drawn number of hours and has a kind drawn from the machine type's list
//! ([`crate::MachineSpec::random_fault_kinds`]) and a severity:
//!
//! | kind | duration | severity |
//! |---|---|---|
//! | `air_leak` | 2-16 h | leak of 10-30 % of compressor capacity, growing linearly over 30-120 min |
//! | `efficiency_loss` | 3-24 h | 8-16 % loss (COP, pump or boiler efficiency, air delivery) |
//! | `stuck_on` | 1-8 h | drive or heater stays on outside production |
//! | `breakdown` | 1-6 h | unplanned stop |
//!
//! A random fault that could change nothing in the machine's current state waits until it can
//! (the physics' `fault_can_act`: a conveyor's drive sticks on when the line stops, its belt
//! breaks down under load); its drawn duration counts from its start. Injected faults start when
//! asked.
//!
//! Faults may overlap (two leaks add up). Their effects apply per minute: a fault acts on minute
//! `m` when `start <= start(m) < end`. Sensor dropouts are a second Poisson process (5 min - 3 h
//! gaps in the meter's readings, at sample resolution). Every fault and dropout is recorded as an
//! [`Event`] when it starts, with its (planned or cleared) end.

use enms_core::model::{AlertLevel, Event, EventKind};
use enms_core::time::{Timestamp, MICROS_PER_DAY, MICROS_PER_MINUTE, MICROS_PER_SECOND};

use crate::rng::Rng;

/// A fault with its effect parameters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FaultInstance {
    pub kind: EventKind,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Kind-specific size: leak fraction of capacity, efficiency loss fraction; 1 otherwise.
    pub severity: f64,
    /// Air leaks grow to full size over this time.
    pub ramp_us: i64,
    pub description: String,
}

impl FaultInstance {
    fn event(&self, machine_id: &str) -> Event {
        Event {
            machine_id: machine_id.to_string(),
            kind: self.kind,
            start: self.start,
            end: Some(self.end),
            description: self.description.clone(),
        }
    }
}

/// The combined effect of the faults active in one minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FaultEffects {
    /// Leak flow as a fraction of compressor capacity.
    pub air_leak_frac: f64,
    /// Efficiency multiplier (1 = healthy, 0.85 = 15 % loss).
    pub efficiency: f64,
    /// A drive, heater or pump is stuck on.
    pub stuck_on: bool,
    /// The machine is broken down.
    pub breakdown: bool,
}

impl Default for FaultEffects {
    fn default() -> Self {
        FaultEffects {
            air_leak_frac: 0.0,
            efficiency: 1.0,
            stuck_on: false,
            breakdown: false,
        }
    }
}

/// Default severity of an injected fault.
fn injected_severity(kind: EventKind) -> f64 {
    match kind {
        EventKind::AirLeak => 0.2,
        EventKind::EfficiencyLoss => 0.12,
        _ => 1.0,
    }
}

fn describe(
    kind: EventKind,
    severity: f64,
    ramp_us: i64,
    machine_type: &str,
    injected: bool,
) -> String {
    let what = match kind {
        EventKind::AirLeak => format!(
            "air leak growing to {:.0} % of compressor capacity over {} min",
            severity * 100.0,
            ramp_us / MICROS_PER_MINUTE
        ),
        EventKind::EfficiencyLoss => {
            let cause = match machine_type {
                "hvac" => "COP reduced (fouled condenser)",
                "hydraulic_pump" => "volumetric efficiency reduced (worn pump)",
                "boiler" => "combustion efficiency reduced (fouled heat exchanger)",
                "compressor" => "air delivery reduced (worn air end)",
                _ => "efficiency reduced",
            };
            format!("{cause} by {:.0} %", severity * 100.0)
        }
        EventKind::StuckOn => match machine_type {
            "injection_molding" => "barrel heater stuck on".to_string(),
            "hvac" => "HVAC stuck in occupied mode".to_string(),
            "hydraulic_pump" => "pump stuck on outside production".to_string(),
            _ => "drive stuck on outside production".to_string(),
        },
        EventKind::Breakdown => "unplanned stop (breakdown)".to_string(),
        EventKind::SensorDropout => "meter communication lost (no readings)".to_string(),
    };
    if injected {
        format!("{what} [injected]")
    } else {
        what
    }
}

/// Fault state of one machine.
#[derive(Debug, Clone)]
pub(crate) struct FaultTimeline {
    machine_id: String,
    machine_type: &'static str,
    kinds: &'static [(EventKind, f64)],
    fault_rng: Rng,
    drop_rng: Rng,
    fault_mean_gap_us: f64,
    drop_mean_gap_us: f64,
    next_fault: Timestamp,
    next_drop: Timestamp,
    /// Injected faults not yet started, sorted by start.
    pending: Vec<FaultInstance>,
    /// Random faults that have arrived but cannot act yet (a stuck-on drive while the machine
    /// runs anyway, a breakdown while it is stopped), each with its drawn duration and whether
    /// it has waited.
    latent: Vec<(FaultInstance, i64, bool)>,
    active: Vec<FaultInstance>,
    /// Known dropouts `(start, end)` not yet over, sorted by start.
    drops: Vec<(Timestamp, Timestamp)>,
    /// Current/next dropout, checked per sample.
    cur_drop: (Timestamp, Timestamp),
    clears: Vec<Timestamp>,
    in_dropout_minute: bool,
}

impl FaultTimeline {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        machine_id: &str,
        machine_type: &'static str,
        kinds: &'static [(EventKind, f64)],
        mut fault_rng: Rng,
        mut drop_rng: Rng,
        fault_rate_per_day: f64,
        drop_rate_per_day: f64,
        start: Timestamp,
    ) -> Self {
        let gap = |rate: f64| {
            if rate > 0.0 {
                MICROS_PER_DAY as f64 / rate
            } else {
                f64::INFINITY
            }
        };
        let fault_mean_gap_us = gap(fault_rate_per_day);
        let drop_mean_gap_us = gap(drop_rate_per_day);
        let next_fault = add_gap(start, fault_rng.exp(fault_mean_gap_us));
        let next_drop = add_gap(start, drop_rng.exp(drop_mean_gap_us));
        FaultTimeline {
            machine_id: machine_id.to_string(),
            machine_type,
            kinds,
            fault_rng,
            drop_rng,
            fault_mean_gap_us,
            drop_mean_gap_us,
            next_fault,
            next_drop,
            pending: Vec::new(),
            latent: Vec::new(),
            active: Vec::new(),
            drops: Vec::new(),
            cur_drop: (Timestamp::MAX, Timestamp::MAX),
            clears: Vec::new(),
            in_dropout_minute: false,
        }
    }

    /// Schedules an injected fault (or dropout) `[start, end)`.
    pub fn inject(
        &mut self,
        kind: EventKind,
        start: Timestamp,
        end: Timestamp,
        events: &mut Vec<Event>,
    ) {
        if kind == EventKind::SensorDropout {
            let f = FaultInstance {
                kind,
                start,
                end,
                severity: 1.0,
                ramp_us: 0,
                description: describe(kind, 1.0, 0, self.machine_type, true),
            };
            let end = self.cleared_end(start, end);
            events.push(Event {
                end: Some(end),
                ..f.event(&self.machine_id)
            });
            self.drops.push((start, end));
            self.drops.sort_unstable();
            self.cur_drop = self
                .drops
                .first()
                .copied()
                .unwrap_or((Timestamp::MAX, Timestamp::MAX));
            return;
        }
        let severity = injected_severity(kind);
        let ramp_us = if kind == EventKind::AirLeak {
            60 * MICROS_PER_MINUTE
        } else {
            0
        };
        let description = describe(kind, severity, ramp_us, self.machine_type, true);
        self.pending.push(FaultInstance {
            kind,
            start,
            end,
            severity,
            ramp_us,
            description,
        });
        self.pending.sort_by_key(|f| f.start);
    }

    /// Ends every fault and dropout active at `at` (and any later one active then) at `at`.
    /// Active faults already reported get a corrected event.
    pub fn clear(&mut self, at: Timestamp, events: &mut Vec<Event>) {
        self.clears.push(at);
        self.clears.sort_unstable();
        for f in &mut self.active {
            if f.start <= at && at < f.end {
                f.end = at;
                events.push(Event {
                    description: format!("{} (cleared)", f.description),
                    ..f.event(&self.machine_id)
                });
            }
        }
        for f in &mut self.pending {
            if f.start <= at && at < f.end {
                f.end = at;
            }
        }
        for d in &mut self.drops {
            if d.0 <= at && at < d.1 {
                d.1 = at;
            }
        }
        self.cur_drop = self
            .drops
            .first()
            .copied()
            .unwrap_or((Timestamp::MAX, Timestamp::MAX));
    }

    fn cleared_end(&self, start: Timestamp, end: Timestamp) -> Timestamp {
        self.clears
            .iter()
            .copied()
            .find(|&c| c >= start && c < end)
            .unwrap_or(end)
    }

    /// Updates the active set for the minute `[m_start, m_end)`, records new events and returns
    /// the combined effect. `can_act(kind)`: whether a fault of `kind` would change anything in
    /// the machine's state of the minute before (the physics' `fault_can_act`).
    pub fn begin_minute(
        &mut self,
        m_start: Timestamp,
        m_end: Timestamp,
        can_act: impl Fn(EventKind) -> bool,
        events: &mut Vec<Event>,
    ) -> FaultEffects {
        // Random faults arriving up to the start of this minute start on it.
        while self.next_fault <= m_start {
            let arrival = self.next_fault;
            self.next_fault = add_gap(arrival, self.fault_rng.exp(self.fault_mean_gap_us));
            let start = ceil_to(arrival, MICROS_PER_MINUTE);
            let weights: Vec<f64> = self.kinds.iter().map(|k| k.1).collect();
            let kind = self.kinds[self.fault_rng.weighted(&weights)].0;
            let (lo_h, hi_h, severity) = match kind {
                EventKind::AirLeak => (2.0, 16.0, self.fault_rng.uniform(0.10, 0.30)),
                EventKind::EfficiencyLoss => (3.0, 24.0, self.fault_rng.uniform(0.08, 0.16)),
                EventKind::StuckOn => (1.0, 8.0, 1.0),
                _ => (1.0, 6.0, 1.0),
            };
            let hours = self.fault_rng.log_uniform(lo_h, hi_h);
            let ramp_us = if kind == EventKind::AirLeak {
                (self.fault_rng.uniform(30.0, 120.0).round() as i64) * MICROS_PER_MINUTE
            } else {
                0
            };
            let dur = ((hours * 60.0).round() as i64).max(1) * MICROS_PER_MINUTE;
            let description = describe(kind, severity, ramp_us, self.machine_type, false);
            let f = FaultInstance {
                kind,
                start,
                end: start + dur,
                severity,
                ramp_us,
                description,
            };
            self.latent.push((f, dur, false));
        }
        // A random fault starts when it can act (a conveyor's drive sticks on when it should
        // stop, it breaks down under load); its drawn duration counts from then.
        let mut k = 0;
        while k < self.latent.len() {
            if !can_act(self.latent[k].0.kind) {
                self.latent[k].2 = true;
                k += 1;
                continue;
            }
            let (mut f, dur, waited) = self.latent.remove(k);
            if waited {
                f.start = m_start;
            }
            f.end = self.cleared_end(f.start, f.start + dur);
            if f.end > f.start {
                events.push(f.event(&self.machine_id));
                self.active.push(f);
            }
        }
        // Injected faults whose start has come.
        while let Some(f) = self.pending.first() {
            if f.start > m_start {
                break;
            }
            let mut f = self.pending.remove(0);
            f.end = self.cleared_end(f.start, f.end);
            if f.end > f.start {
                events.push(f.event(&self.machine_id));
                self.active.push(f);
            }
        }
        self.active.retain(|f| f.end > m_start);

        // Random dropouts arriving before the end of this minute.
        while self.next_drop < m_end {
            let start = self.next_drop;
            let secs = self.drop_rng.log_uniform(300.0, 3.0 * 3600.0).round() as i64;
            self.next_drop = add_gap(start, self.drop_rng.exp(self.drop_mean_gap_us));
            let end = self.cleared_end(start, start + secs * MICROS_PER_SECOND);
            if end <= start {
                continue;
            }
            events.push(Event {
                machine_id: self.machine_id.clone(),
                kind: EventKind::SensorDropout,
                start,
                end: Some(end),
                description: describe(EventKind::SensorDropout, 1.0, 0, self.machine_type, false),
            });
            self.drops.push((start, end));
            self.drops.sort_unstable();
        }
        self.drops.retain(|d| d.1 > m_start);
        self.cur_drop = self
            .drops
            .first()
            .copied()
            .unwrap_or((Timestamp::MAX, Timestamp::MAX));
        self.in_dropout_minute = self.drops.iter().any(|d| d.0 <= m_start && m_start < d.1);

        let mut fx = FaultEffects::default();
        for f in &self.active {
            if f.start > m_start {
                continue;
            }
            match f.kind {
                EventKind::AirLeak => {
                    let grown = if f.ramp_us > 0 {
                        ((m_start - f.start) as f64 / f.ramp_us as f64).min(1.0)
                    } else {
                        1.0
                    };
                    fx.air_leak_frac += f.severity * grown;
                }
                EventKind::EfficiencyLoss => fx.efficiency *= 1.0 - f.severity,
                EventKind::StuckOn => fx.stuck_on = true,
                EventKind::Breakdown => fx.breakdown = true,
                EventKind::SensorDropout => {}
            }
        }
        fx
    }

    /// Whether the reading at `ts` is lost to a dropout (`ts` non-decreasing between calls).
    #[inline]
    pub fn dropped(&mut self, ts: Timestamp) -> bool {
        if ts < self.cur_drop.0 {
            return false;
        }
        while ts >= self.cur_drop.1 {
            // Past this dropout: move to the next one.
            self.drops.retain(|d| d.1 > ts);
            self.cur_drop = self
                .drops
                .first()
                .copied()
                .unwrap_or((Timestamp::MAX, Timestamp::MAX));
            if ts < self.cur_drop.0 {
                return false;
            }
        }
        true
    }

    /// Alert level the machine's controller shows for the fault state (breakdown: critical; lost
    /// meter communication: warning).
    pub fn alert(&self, fx: &FaultEffects) -> AlertLevel {
        if fx.breakdown {
            AlertLevel::Critical
        } else if self.in_dropout_minute {
            AlertLevel::Warning
        } else {
            AlertLevel::Normal
        }
    }
}

fn add_gap(t: Timestamp, gap_us: f64) -> Timestamp {
    if gap_us.is_finite() && gap_us < 1e17 {
        t.saturating_add(gap_us.round() as i64)
    } else {
        Timestamp::MAX
    }
}

fn ceil_to(t: Timestamp, step: i64) -> Timestamp {
    let r = t.rem_euclid(step);
    if r == 0 {
        t
    } else {
        t + (step - r)
    }
}
