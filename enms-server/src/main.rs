//! `enms-server`: the reference server of enms.
//!
//! ```text
//! enms-server [--config FILE] serve [--listen ADDR] [--data-dir DIR]
//! enms-server [--config FILE] import DIR [--data-dir DIR]
//! enms-server openapi
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use enms_server::config::{Config, ENV_CONFIG_FILE};
use enms_server::server::{import_dir, init_logging, open_store, serve, RunError};

#[derive(Debug, Parser)]
#[command(
    name = "enms-server",
    version,
    about = "Reference server of enms: store, import, REST API"
)]
struct Cli {
    /// TOML configuration file (default: $ENMS_CONFIG when set; ENMS_* variables override it).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the REST API until SIGTERM or Ctrl-C.
    Serve {
        /// Address to listen on (overrides `server.listen`).
        #[arg(long)]
        listen: Option<String>,
        /// Data directory (overrides `storage.data_dir`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Import the output of `enms-sim generate` (CSV or Parquet); importing again changes nothing.
    Import {
        /// Directory written by `enms-sim generate --out DIR`.
        dir: PathBuf,
        /// Data directory (overrides `storage.data_dir`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Print the OpenAPI document of the REST API.
    Openapi,
}

fn load_config(path: Option<PathBuf>) -> Result<Config, RunError> {
    let path = path.or_else(|| {
        std::env::var_os(ENV_CONFIG_FILE)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let mut config = match path {
        Some(p) => Config::from_file(&p)?,
        None => Config::default(),
    };
    config.apply_env(std::env::vars())?;
    Ok(config)
}

fn run(cli: Cli) -> Result<(), RunError> {
    let mut config = load_config(cli.config)?;
    match cli.command {
        Command::Serve { listen, data_dir } => {
            if let Some(l) = listen {
                config.server.listen = l;
            }
            if let Some(d) = data_dir {
                config.storage.data_dir = d;
            }
            config.validate()?;
            init_logging(&config)?;
            serve(&config)
        }
        Command::Import { dir, data_dir } => {
            if let Some(d) = data_dir {
                config.storage.data_dir = d;
            }
            init_logging(&config)?;
            let store = open_store(&config)?;
            let summary = import_dir(store.as_ref(), &dir)?;
            let json = serde_json::to_string_pretty(&summary).unwrap_or_default();
            print_out(&json);
            Ok(())
        }
        Command::Openapi => {
            use utoipa::OpenApi;
            let doc = enms_server::api::ApiDoc::openapi();
            let json = serde_json::to_string_pretty(&doc).unwrap_or_default();
            print_out(&json);
            Ok(())
        }
    }
}

/// Writes a result to standard output; a reader that went away (`| head`) is not an error of
/// ours, so a broken pipe ends the output quietly instead of panicking like `println!`.
fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "enms-server failed");
            eprintln!("enms-server: {e}");
            ExitCode::from(match e {
                RunError::Config(_) => 2,
                _ => 1,
            })
        }
    }
}
