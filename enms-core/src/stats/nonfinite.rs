//! serde for statistics that may be NaN or infinite (an F statistic without drivers, R² of a
//! constant target, t of a perfect fit). JSON has no such numbers: serde_json writes them as
//! `null`, which does not read back as an `f64`, so a model holding one could be saved but not
//! loaded. Here they are written as the strings `"NaN"`, `"inf"` and `"-inf"` and read back
//! bit for bit; `null` (the form written before) reads as NaN. Finite values are plain numbers.
//!
//! Use on a field with `#[serde(with = "crate::stats::nonfinite")]`.

use serde::{Deserialize, Deserializer, Serializer};

/// Writes a finite value as a number, NaN and the infinities as strings.
pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.is_finite() {
        s.serialize_f64(*v)
    } else if v.is_nan() {
        s.serialize_str("NaN")
    } else if *v > 0.0 {
        s.serialize_str("inf")
    } else {
        s.serialize_str("-inf")
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Repr {
    Number(f64),
    Text(String),
}

/// Reads a number, `"NaN"`, `"inf"`, `"-inf"`, or `null` (NaN).
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    match Option::<Repr>::deserialize(d)? {
        None => Ok(f64::NAN),
        Some(Repr::Number(v)) => Ok(v),
        Some(Repr::Text(t)) => match t.as_str() {
            "NaN" => Ok(f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            other => Err(serde::de::Error::custom(format!(
                "expected a number, \"NaN\", \"inf\" or \"-inf\", got \"{other}\""
            ))),
        },
    }
}

/// The same for a `Vec<f64>`: `#[serde(with = "crate::stats::nonfinite::vec")]`.
pub mod vec {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    struct Out(f64);

    impl Serialize for Out {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            super::serialize(&self.0, s)
        }
    }

    struct In(f64);

    impl<'de> Deserialize<'de> for In {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            super::deserialize(d).map(In)
        }
    }

    /// Writes every element as [`super::serialize`] does.
    #[allow(clippy::ptr_arg)]
    pub fn serialize<S: Serializer>(v: &Vec<f64>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| Out(*x)))
    }

    /// Reads every element as [`super::deserialize`] does.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<In>::deserialize(d)?
            .into_iter()
            .map(|x| x.0)
            .collect())
    }
}
