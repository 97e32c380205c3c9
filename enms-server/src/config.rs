//! Configuration of the server: a TOML file, then `ENMS_*` environment variables, then command-line
//! flags, each overriding the one before.
//!
//! Every key has a default here except the KPI settings, whose defaults are the core's
//! ([`enms_core::kpi::KpiSettings::default`]): the server only passes on what the operator set.
//! The keys are documented in `docs/server.md` and shown in `examples/enms-server.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use enms_core::kpi::{CarbonFactors, DemandOptions, KpiSettings, Tariff};
use enms_core::model::EnergyCarrier;
use enms_core::rollup::RollupOptions;
use serde::{Deserialize, Serialize};

/// Something wrong with the configuration, naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file `{path}`: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or has a key of the wrong type.
    #[error("invalid config file `{path}`: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (names the key and line).
        message: String,
    },
    /// A key (from the file, the environment or a flag) has an unusable value.
    #[error("invalid value for `{key}`: {reason}")]
    Invalid {
        /// The key, as written in the file (`kpi.tariff.currency`) or the environment variable.
        key: String,
        /// Why.
        reason: String,
    },
}

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// HTTP listener.
    pub server: ServerConfig,
    /// Where and how data is stored.
    pub storage: StorageConfig,
    /// Logging.
    pub log: LogConfig,
    /// Limits of the REST API.
    pub api: ApiConfig,
    /// KPI settings (tariff, carbon factors, demand window).
    pub kpi: KpiConfig,
}

/// `[server]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on (`127.0.0.1:8080`; port 0 picks a free port, logged at start).
    pub listen: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
        }
    }
}

/// Storage backends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// Embedded SQLite database (WAL) in the data directory.
    #[default]
    Sqlite,
}

/// `[storage]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Backend.
    pub backend: Backend,
    /// Directory holding the database file (created if missing).
    pub data_dir: PathBuf,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            backend: Backend::Sqlite,
            data_dir: PathBuf::from("./enms-data"),
        }
    }
}

/// Log output formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One JSON object per line (for log collectors).
    #[default]
    Json,
    /// Human-readable lines.
    Text,
}

/// `[log]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// Most verbose level written: `error`, `warn`, `info`, `debug` or `trace`.
    pub level: String,
    /// `json` or `text`.
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
            format: LogFormat::Json,
        }
    }
}

impl LogConfig {
    /// The level as a tracing filter.
    pub fn level_filter(&self) -> Result<tracing::Level, ConfigError> {
        self.level
            .trim()
            .parse::<tracing::Level>()
            .map_err(|_| ConfigError::Invalid {
                key: "log.level".into(),
                reason: format!(
                    "expected error, warn, info, debug or trace, got `{}`",
                    self.level
                ),
            })
    }
}

/// `[api]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Most raw readings one request returns (larger ranges are paged with `next_start`).
    pub max_raw_rows: usize,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            max_raw_rows: 100_000,
        }
    }
}

/// `[kpi]`: every key optional; what is not set is the core's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KpiConfig {
    /// Time zone of the demand grid (IANA name).
    pub timezone: Option<String>,
    /// Longest interval between two readings still integrated, seconds.
    pub max_gap_s: Option<f64>,
    /// Demand window (`window_minutes`, `method = { kind = "fixed_blocks" }` or
    /// `{ kind = "rolling", step_minutes = 5 }`).
    pub demand: Option<DemandOptions>,
    /// Emission factors that replace the core's, kg CO2 per kWh, by carrier.
    pub carbon_kg_per_kwh: BTreeMap<EnergyCarrier, f64>,
    /// Electricity tariff (the core's `Tariff`), for costs.
    pub tariff: Option<Tariff>,
}

impl KpiConfig {
    /// The core's KPI settings with what this configuration sets, validated by the core.
    pub fn settings(&self) -> enms_core::Result<KpiSettings> {
        let mut s = KpiSettings::default();
        if let Some(tz) = &self.timezone {
            enms_core::time::parse_tz(tz)?;
            s.timezone = Some(tz.clone());
        }
        if let Some(gap) = self.max_gap_s {
            s.rollup = RollupOptions::default().with_max_gap_s(gap)?;
        }
        if let Some(d) = self.demand {
            d.resolution()?;
            s.demand = d;
        }
        let mut carbon = CarbonFactors::default();
        for (carrier, factor) in &self.carbon_kg_per_kwh {
            carbon = carbon.with(*carrier, *factor)?;
        }
        s.carbon = carbon;
        if let Some(t) = &self.tariff {
            t.validate()?;
            s.tariff = Some(t.clone());
        }
        Ok(s)
    }

    /// Rollup options for bucketed readings: the core's, with `max_gap_s` when set.
    pub fn rollup_options(&self) -> enms_core::Result<RollupOptions> {
        match self.max_gap_s {
            Some(gap) => RollupOptions::default().with_max_gap_s(gap),
            None => Ok(RollupOptions::default()),
        }
    }
}

/// Environment variables read by [`Config::apply_env`], with the key each one sets.
pub const ENV_KEYS: [(&str, &str); 8] = [
    ("ENMS_LISTEN", "server.listen"),
    ("ENMS_DATA_DIR", "storage.data_dir"),
    ("ENMS_STORAGE_BACKEND", "storage.backend"),
    ("ENMS_LOG_LEVEL", "log.level"),
    ("ENMS_LOG_FORMAT", "log.format"),
    ("ENMS_API_MAX_RAW_ROWS", "api.max_raw_rows"),
    ("ENMS_KPI_TIMEZONE", "kpi.timezone"),
    ("ENMS_KPI_MAX_GAP_S", "kpi.max_gap_s"),
];

/// The environment variable naming the config file when `--config` is not given.
pub const ENV_CONFIG_FILE: &str = "ENMS_CONFIG";

impl Config {
    /// Parses a TOML document (`path` is only used in messages).
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// Overrides keys from `ENMS_*` variables (see [`ENV_KEYS`]); empty values are ignored.
    pub fn apply_env<I, K, V>(&mut self, vars: I) -> Result<(), ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        for (name, value) in vars {
            let (name, value) = (name.as_ref(), value.as_ref().trim());
            if !name.starts_with("ENMS_") || value.is_empty() {
                continue;
            }
            let invalid = |reason: String| ConfigError::Invalid {
                key: name.to_string(),
                reason,
            };
            match name {
                "ENMS_LISTEN" => self.server.listen = value.to_string(),
                "ENMS_DATA_DIR" => self.storage.data_dir = PathBuf::from(value),
                "ENMS_STORAGE_BACKEND" => {
                    self.storage.backend = match value {
                        "sqlite" => Backend::Sqlite,
                        other => return Err(invalid(format!("unknown backend `{other}`"))),
                    }
                }
                "ENMS_LOG_LEVEL" => self.log.level = value.to_string(),
                "ENMS_LOG_FORMAT" => {
                    self.log.format = match value {
                        "json" => LogFormat::Json,
                        "text" => LogFormat::Text,
                        other => {
                            return Err(invalid(format!("expected json or text, got `{other}`")))
                        }
                    }
                }
                "ENMS_API_MAX_RAW_ROWS" => {
                    self.api.max_raw_rows = value
                        .parse()
                        .map_err(|e| invalid(format!("`{value}`: {e}")))?
                }
                "ENMS_KPI_TIMEZONE" => self.kpi.timezone = Some(value.to_string()),
                "ENMS_KPI_MAX_GAP_S" => {
                    self.kpi.max_gap_s = Some(
                        value
                            .parse()
                            .map_err(|e| invalid(format!("`{value}`: {e}")))?,
                    )
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Checks every key that can be checked before serving, naming the key at fault.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.log.level_filter()?;
        if self.api.max_raw_rows == 0 {
            return Err(ConfigError::Invalid {
                key: "api.max_raw_rows".into(),
                reason: "must be at least 1".into(),
            });
        }
        if self.server.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(ConfigError::Invalid {
                key: "server.listen".into(),
                reason: format!(
                    "expected an address such as 127.0.0.1:8080, got `{}`",
                    self.server.listen
                ),
            });
        }
        self.kpi.settings().map_err(|e| ConfigError::Invalid {
            key: format!("kpi.{}", e.field().unwrap_or("*")),
            reason: e.to_string(),
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_env() {
        let text = r#"
            [server]
            listen = "0.0.0.0:9000"
            [kpi]
            max_gap_s = 120
            [kpi.carbon_kg_per_kwh]
            electricity = 0.38
            [kpi.tariff]
            name = "flat"
            currency = "EUR"
            timezone = "Europe/Berlin"
            [[kpi.tariff.versions]]
            valid_from = "2025-01-01"
            base_rate_per_kwh = 0.21
        "#;
        let mut c = Config::from_toml(text, Path::new("t.toml")).unwrap();
        assert_eq!(c.server.listen, "0.0.0.0:9000");
        assert_eq!(c.storage.backend, Backend::Sqlite);
        c.apply_env([
            ("ENMS_LISTEN", "127.0.0.1:0"),
            ("ENMS_LOG_FORMAT", "text"),
            ("PATH", "/bin"),
        ])
        .unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:0");
        assert_eq!(c.log.format, LogFormat::Text);
        c.validate().unwrap();
        let s = c.kpi.settings().unwrap();
        assert_eq!(s.rollup.max_gap_us, 120_000_000);
        assert_eq!(s.carbon.factor(EnergyCarrier::Electricity).unwrap(), 0.38);
        // carriers not set keep the core's factor
        assert_eq!(
            s.carbon.factor(EnergyCarrier::NaturalGas).unwrap(),
            CarbonFactors::default()
                .factor(EnergyCarrier::NaturalGas)
                .unwrap()
        );
        assert_eq!(s.tariff.unwrap().currency, "EUR");
    }

    #[test]
    fn example_config_is_valid() {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/enms-server.toml"
        ));
        let c = Config::from_file(path).unwrap();
        c.validate().unwrap();
        let s = c.kpi.settings().unwrap();
        let t = s.tariff.unwrap();
        assert_eq!(t.versions[0].periods[0].name, "peak");
        assert_eq!(t.versions[0].demand_charges[0].rate_per_kw, 9.5);
        assert_eq!(s.demand.window_minutes, 15);
        assert_eq!(s.timezone.as_deref(), Some("Europe/Berlin"));
    }

    #[test]
    fn errors_name_the_key() {
        let e = Config::from_toml("[server]\nlisten = 5\n", Path::new("x.toml")).unwrap_err();
        assert!(e.to_string().contains("listen"), "{e}");
        let e = Config::from_toml("[nope]\n", Path::new("x.toml")).unwrap_err();
        assert!(e.to_string().contains("nope"), "{e}");
        let mut c = Config::default();
        let e = c
            .apply_env([("ENMS_API_MAX_RAW_ROWS", "many")])
            .unwrap_err();
        assert!(e.to_string().contains("ENMS_API_MAX_RAW_ROWS"), "{e}");
        c.kpi.carbon_kg_per_kwh.insert(EnergyCarrier::Steam, -1.0);
        let e = c.validate().unwrap_err();
        assert!(e.to_string().contains("kpi.kg_per_kwh"), "{e}");
        let mut c = Config::default();
        c.kpi.timezone = Some("Mars/Base".into());
        assert!(c.validate().is_err());
        c.kpi.timezone = None;
        c.log.level = "loud".into();
        assert!(c.validate().unwrap_err().to_string().contains("log.level"));
    }
}
