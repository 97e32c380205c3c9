//! A small deterministic pseudo-random number generator, so that simulated streams never change
//! with a dependency version.
//!
//! * Seeding: SplitMix64 (Steele, Lea & Flood 2014, the seeding generator recommended by the
//!   xoshiro authors) expands `(seed, stream id)` into a 256-bit state.
//! * Generator: xoshiro256++ 1.0 (Blackman & Vigna 2019, <https://prng.di.unimi.it/>).
//! * Uniform doubles: the top 53 bits, `(x >> 11) * 2^-53`, in `[0, 1)`.
//! * Normal deviates: Marsaglia's polar method, which yields two independent N(0, 1) values per
//!   accepted pair; the second one is kept for the next call.
//!
//! Every machine of the factory gets its own streams derived from `(seed, machine index, purpose)`,
//! so machines can be simulated on any number of threads with identical results.

/// Golden-ratio increment of SplitMix64.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// One step of SplitMix64: advances `state` and returns the next output.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(GOLDEN);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Stream purposes, combined with a machine index into a stream id.
pub(crate) mod stream {
    /// Environment, weather, grid and production plan (factory-wide).
    pub const ENVIRONMENT: u64 = 1;
    /// A machine's physics and meter noise.
    pub const MACHINE: u64 = 2;
    /// A machine's random faults.
    pub const FAULTS: u64 = 3;
    /// A machine's sensor dropouts.
    pub const DROPOUTS: u64 = 4;
    /// Initial state of a machine (counters, operating hours).
    pub const INITIAL: u64 = 5;
    /// A machine's meter (noise, voltage, frequency and power-factor jitter).
    pub const METER: u64 = 6;

    /// The stream id of `purpose` for machine `index` (index `u32::MAX` for factory-wide streams).
    pub const fn id(purpose: u64, index: u32) -> u64 {
        ((index as u64) << 8) | purpose
    }
}

/// xoshiro256++ with a cached spare normal deviate.
#[derive(Debug, Clone, PartialEq)]
pub struct Rng {
    s: [u64; 4],
    spare: f64,
}

impl Rng {
    /// A generator seeded from one 64-bit value through SplitMix64.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Rng { s, spare: f64::NAN }
    }

    /// The independent stream `stream_id` of the simulation seeded with `seed`.
    pub fn stream(seed: u64, stream_id: u64) -> Self {
        let mut sm = stream_id ^ 0xD1B5_4A32_D192_ED03;
        let mixed = splitmix64(&mut sm);
        Rng::new(seed ^ mixed)
    }

    /// Next 64 random bits (xoshiro256++).
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform double in `[0, 1)`.
    #[inline]
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform double in `[lo, hi)`.
    #[inline]
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// Two uniform doubles in `[-1, 1)` from one 64-bit draw (32 bits each): cheap meter jitter.
    #[inline]
    pub fn two_signed(&mut self) -> (f64, f64) {
        let x = self.next_u64();
        let scale = 1.0 / (1u64 << 31) as f64;
        (
            ((x >> 32) as f64) * scale - 1.0,
            ((x & 0xFFFF_FFFF) as f64) * scale - 1.0,
        )
    }

    /// `true` with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Standard normal deviate (Marsaglia polar method).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        if !self.spare.is_nan() {
            let z = self.spare;
            self.spare = f64::NAN;
            return z;
        }
        loop {
            let u = 2.0 * self.f64() - 1.0;
            let v = 2.0 * self.f64() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let m = (-2.0 * s.ln() / s).sqrt();
                self.spare = v * m;
                return u * m;
            }
        }
    }

    /// Exponential deviate with the given mean.
    #[inline]
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.f64()).ln()
    }

    /// Log-uniform deviate in `[lo, hi)` (both > 0): durations that span orders of magnitude.
    pub fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + (hi.ln() - lo.ln()) * self.f64()).exp()
    }

    /// Index drawn with probability proportional to `weights`.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }
}

/// A first-order autoregressive process, AR(1): `x' = phi * x + sqrt(1 - phi^2) * sd * N(0, 1)`,
/// stationary with standard deviation `sd` and correlation time `tau` steps (`phi = exp(-1/tau)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ar1 {
    /// Current value.
    pub value: f64,
    phi: f64,
    innovation_sd: f64,
}

impl Ar1 {
    /// A process with correlation time `tau_steps` and stationary sd `sd`, started from its
    /// stationary distribution.
    pub fn new(tau_steps: f64, sd: f64, rng: &mut Rng) -> Self {
        let phi = (-1.0 / tau_steps.max(1e-9)).exp();
        Ar1 {
            value: sd * rng.normal(),
            phi,
            innovation_sd: sd * (1.0 - phi * phi).sqrt(),
        }
    }

    /// Advances one step and returns the new value.
    #[inline]
    pub fn step(&mut self, rng: &mut Rng) -> f64 {
        self.value = self.phi * self.value + self.innovation_sd * rng.normal();
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs of SplitMix64 seeded with 0 (reference C implementation by Vigna).
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut s), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn xoshiro_reference_values() {
        // xoshiro256++ from state [1, 2, 3, 4] (reference C implementation by Blackman & Vigna).
        let mut r = Rng {
            s: [1, 2, 3, 4],
            spare: f64::NAN,
        };
        assert_eq!(r.next_u64(), 41_943_041);
        assert_eq!(r.next_u64(), 58_720_359);
        assert_eq!(r.next_u64(), 3_588_806_011_781_223);
    }

    #[test]
    fn streams_differ_and_repeat() {
        let a: Vec<u64> = (0..4).map(|_| Rng::stream(42, 7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rng::stream(42, 7).next_u64(), Rng::stream(42, 8).next_u64());
        assert_ne!(Rng::stream(42, 7).next_u64(), Rng::stream(43, 7).next_u64());
    }

    #[test]
    fn normal_moments() {
        let mut r = Rng::new(1);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((var - 1.0).abs() < 0.02, "{var}");
        let u: Vec<f64> = (0..n).map(|_| r.f64()).collect();
        assert!(u.iter().all(|x| (0.0..1.0).contains(x)));
        let (a, b) = r.two_signed();
        assert!((-1.0..1.0).contains(&a) && (-1.0..1.0).contains(&b));
    }

    #[test]
    fn ar1_is_stationary() {
        let mut r = Rng::new(3);
        let mut ar = Ar1::new(50.0, 2.0, &mut r);
        let xs: Vec<f64> = (0..200_000).map(|_| ar.step(&mut r)).collect();
        let var = xs.iter().map(|x| x * x).sum::<f64>() / xs.len() as f64;
        assert!((var.sqrt() - 2.0).abs() < 0.15, "{}", var.sqrt());
    }
}
