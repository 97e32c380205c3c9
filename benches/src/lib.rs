//! Shared data generators for the enms benchmarks (criterion benches in `benches/benches/`, the
//! side-by-side comparison binaries in `src/bin/` and the Python scripts beside them).

use enms_core::time::{Timestamp, MICROS_PER_SECOND};

/// 2025-01-06T00:00:00Z, a Monday.
pub const START: Timestamp = 1_736_121_600 * MICROS_PER_SECOND;

/// `n` one-second power readings of a machine (kW): a daily cycle, a load step pattern and noise,
/// from a fixed-seed generator so every run and every tool sees the same data.
pub fn one_second_power(n: usize) -> (Vec<Timestamp>, Vec<f64>) {
    let mut ts = Vec::with_capacity(n);
    let mut p = Vec::with_capacity(n);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let noise = (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
        let t = i as f64;
        let daily = (t * std::f64::consts::TAU / 86_400.0).sin();
        let loaded = if (i / 37) % 3 == 0 { 25.0 } else { 60.0 };
        ts.push(START + i as i64 * MICROS_PER_SECOND);
        p.push(loaded + 15.0 * daily + 5.0 * noise);
    }
    (ts, p)
}

/// Writes timestamps (i64 little-endian) and power (f64 little-endian) as two raw files, the
/// format the Python side-by-side scripts read with `numpy.fromfile`.
pub fn write_raw(dir: &std::path::Path, ts: &[Timestamp], p: &[f64]) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("ts_us.i64"))?);
    for t in ts {
        f.write_all(&t.to_le_bytes())?;
    }
    let mut g = std::io::BufWriter::new(std::fs::File::create(dir.join("power_kw.f64"))?);
    for v in p {
        g.write_all(&v.to_le_bytes())?;
    }
    f.flush()?;
    g.flush()
}

/// Reads the raw files written by [`write_raw`] (or by numpy's `tofile`).
pub fn read_raw(dir: &std::path::Path) -> std::io::Result<(Vec<Timestamp>, Vec<f64>)> {
    Ok((read_i64(dir, "ts_us")?, read_f64(dir, "power_kw")?))
}

/// Reads `DIR/NAME.f64`: little-endian f64 values (numpy's `tofile` of a float64 array).
pub fn read_f64(dir: &std::path::Path, name: &str) -> std::io::Result<Vec<f64>> {
    Ok(std::fs::read(dir.join(format!("{name}.f64")))?
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect())
}

/// Reads `DIR/NAME.i64`: little-endian i64 values (e.g. timestamps in microseconds).
pub fn read_i64(dir: &std::path::Path, name: &str) -> std::io::Result<Vec<i64>> {
    Ok(std::fs::read(dir.join(format!("{name}.i64")))?
        .chunks_exact(8)
        .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect())
}

/// A regression data set of `n` rows: energy on five drivers (production, degree-days, hours,
/// moisture, pressure) with known coefficients and noise, from a fixed-seed generator. Returns
/// `(y, drivers)`.
pub fn regression_data(n: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut uniform = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut drivers: Vec<Vec<f64>> = (0..5).map(|_| Vec::with_capacity(n)).collect();
    let mut y = Vec::with_capacity(n);
    let beta = [0.8, 3.0, 12.0, -2.0, 0.5];
    for _ in 0..n {
        let row = [
            100.0 * uniform(),
            15.0 * uniform(),
            24.0 * uniform(),
            10.0 * uniform(),
            6.0 + 2.0 * uniform(),
        ];
        let noise = 10.0 * (uniform() + uniform() + uniform() - 1.5);
        y.push(50.0 + row.iter().zip(beta).map(|(a, b)| a * b).sum::<f64>() + noise);
        for (d, v) in drivers.iter_mut().zip(row) {
            d.push(v);
        }
    }
    (y, drivers)
}

/// Writes `f64` columns as raw little-endian files `DIR/NAME.f64`.
pub fn write_f64(dir: &std::path::Path, name: &str, v: &[f64]) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join(format!("{name}.f64")))?);
    for x in v {
        f.write_all(&x.to_le_bytes())?;
    }
    f.flush()
}

/// Columns under their names, as the core's column APIs take them.
pub fn named_columns<'a>(names: &[&'a str], x: &'a [Vec<f64>]) -> Vec<(&'a str, &'a [f64])> {
    names
        .iter()
        .zip(x)
        .map(|(n, c)| (*n, c.as_slice()))
        .collect()
}
