//! Options from JSON, strictly: every face (Python, Node, the server) reads a user's model specs
//! and settings through here, so all of them accept and refuse the same things.
//!
//! serde fills the defaults of the fields left out but silently skips keys a type does not have;
//! a typo (`dayly_order`) would then be ignored. [`from_json_value`] reads the value back after
//! parsing: a key of the given JSON that the parsed value does not write is unknown, and is
//! reported by its dotted path (`calendar.timezone`) with the settings that exist there.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};

/// The first key of `given` (a JSON tree) that `kept` lacks, as a dotted path.
fn unknown_key(given: &serde_json::Value, kept: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match (given, kept) {
        (Value::Object(g), Value::Object(k)) => g.iter().find_map(|(key, v)| {
            let p = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            match k.get(key) {
                None => Some(p),
                Some(kv) => unknown_key(v, kv, &p),
            }
        }),
        (Value::Array(g), Value::Array(k)) => g
            .iter()
            .zip(k)
            .enumerate()
            .find_map(|(i, (a, b))| unknown_key(a, b, &format!("{path}[{i}]"))),
        _ => None,
    }
}

/// The keys that exist at `path` in `kept` (the settings a user may give there).
fn keys_at<'a>(kept: &'a serde_json::Value, path: &str) -> Vec<&'a str> {
    let mut v = kept;
    let parent = path.rsplit_once('.').map_or("", |(p, _)| p);
    for part in parent.split('.').filter(|p| !p.is_empty()) {
        match v.get(part) {
            Some(x) => v = x,
            None => return Vec::new(),
        }
    }
    v.as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// `T` from a JSON value, with `T`'s defaults for what is left out; `what` names the whole value
/// in errors (e.g. `model`, `config`). Errors: a value serde refuses (wrong type, unknown variant:
/// on `what`), and a key `T` does not have (on the key's dotted path, listing the keys there;
/// `ignore` lists keys that are not options, such as a tag).
pub fn from_json_value<T: Serialize + DeserializeOwned>(
    given: &serde_json::Value,
    what: &str,
    ignore: &[&str],
) -> Result<T> {
    let invalid = |name: &str, reason: String| Error::InvalidParameter {
        name: name.to_string(),
        reason,
    };
    let value: T =
        serde_json::from_value(given.clone()).map_err(|e| invalid(what, e.to_string()))?;
    let kept = serde_json::to_value(&value).map_err(|e| invalid(what, e.to_string()))?;
    if let Some(key) = unknown_key(given, &kept, "") {
        let known: Vec<&str> = keys_at(&kept, &key)
            .into_iter()
            .filter(|k| !ignore.contains(k))
            .collect();
        let known = if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        };
        let head = match given.get("model").and_then(|m| m.as_str()) {
            Some(model) if what == "model" => format!("model `{model}` has no option `{key}`"),
            _ => format!("{what} has no setting `{key}`"),
        };
        return Err(invalid(
            &key,
            format!("{head}; the settings there are: {known}"),
        ));
    }
    Ok(value)
}

/// [`from_json_value`] from JSON text.
pub fn from_json<T: Serialize + DeserializeOwned>(
    text: &str,
    what: &str,
    ignore: &[&str],
) -> Result<T> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::InvalidParameter {
        name: what.to_string(),
        reason: format!("not JSON: {e}"),
    })?;
    from_json_value(&v, what, ignore)
}

/// A model enms saves as JSON and loads again: what loading checks beyond serde's shape.
pub trait Saved: DeserializeOwned {
    /// Checks a loaded model: a format version this enms reads, the consistency that predicting
    /// and scoring rely on. The default checks nothing.
    fn check_loaded(&self) -> Result<()> {
        Ok(())
    }
}

/// A saved model from the JSON text enms wrote, checked ([`Saved::check_loaded`]); errors about
/// the text name `what` (the face's argument).
pub fn load<T: Saved>(text: &str, what: &str) -> Result<T> {
    let model: T = serde_json::from_str(text).map_err(|e| Error::InvalidParameter {
        name: what.to_string(),
        reason: e.to_string(),
    })?;
    model.check_loaded()?;
    Ok(model)
}

/// Refuses a format version newer than the one this enms writes.
pub(crate) fn check_version(found: u32, reads: u32) -> Result<()> {
    if found > reads {
        return Err(Error::InvalidParameter {
            name: "format_version".to_string(),
            reason: format!("format version {found} is newer than this enms reads ({reads})"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::anomaly::DetectConfig;

    #[test]
    fn saved_models_are_checked_when_loaded() {
        use crate::anomaly::{IsolationForest, IsolationForestParams};
        let a: Vec<f64> = (0..300).map(|i| (i % 13) as f64).collect();
        let f = IsolationForest::fit(&[("a", &a)], &IsolationForestParams::default()).unwrap();
        let text = serde_json::to_string(&f).unwrap();
        let back: IsolationForest = load(&text, "text").unwrap();
        assert_eq!(back, f);
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["feature_names"] = serde_json::json!([]);
        let e = load::<IsolationForest>(&v.to_string(), "text").unwrap_err();
        assert_eq!(e.field(), Some("model"), "{e}");
        let e = load::<IsolationForest>("{", "text").unwrap_err();
        assert_eq!(e.field(), Some("text"), "{e}");
        assert!(check_version(1, 1).is_ok());
        let e = check_version(2, 1).unwrap_err();
        assert_eq!(e.field(), Some("format_version"), "{e}");
    }

    #[test]
    fn the_baseline_models_take_partial_options() {
        use crate::baseline::daily::DailyOptions;
        use crate::baseline::{ChangePointOptions, TowtOptions};
        let d: DailyOptions = from_json(r#"{"min_segment_days": 5}"#, "options", &[]).unwrap();
        assert_eq!(d.min_segment_days, 5);
        assert_eq!(
            DailyOptions {
                min_segment_days: DailyOptions::default().min_segment_days,
                ..d
            },
            DailyOptions::default()
        );
        let c: ChangePointOptions = from_json(r#"{"step_c": 1.0}"#, "options", &[]).unwrap();
        assert_eq!(c.step_c, 1.0);
        let t: TowtOptions = from_json("{}", "options", &[]).unwrap();
        assert_eq!(t, TowtOptions::default());
        let e =
            from_json::<DailyOptions>(r#"{"min_segment_dayz": 5}"#, "options", &[]).unwrap_err();
        assert_eq!(e.field(), Some("min_segment_dayz"), "{e}");
    }

    #[test]
    fn unknown_keys_are_named_with_their_neighbours() {
        let c: DetectConfig = from_json("{}", "config", &[]).unwrap();
        assert_eq!(c, DetectConfig::default());
        let e =
            from_json::<DetectConfig>(r#"{"sigma":{"fixd_sigma":1}}"#, "config", &[]).unwrap_err();
        assert_eq!(e.field(), Some("sigma.fixd_sigma"), "{e}");
        assert!(e.to_string().contains("fixed_sigma"), "{e}");
        assert!(from_json::<DetectConfig>("[", "config", &[]).is_err());
    }
}
