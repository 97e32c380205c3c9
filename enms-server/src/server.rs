//! Running the server: logging, the store, the HTTP listener and graceful shutdown.
//!
//! Logs are structured (one JSON object per line by default, `log.format = "text"` for people) and
//! go to standard error. `serve` stops on SIGTERM or Ctrl-C: it stops accepting connections,
//! finishes the requests in flight, and exits with status 0.

use std::path::Path;
use std::sync::Arc;

use crate::api::{router, AppState};
use crate::config::{Backend, Config, LogFormat};
use crate::store::sqlite::SqliteStore;
use crate::store::{ImportSummary, Store};

/// An error that ends the process.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Reading the data set failed.
    #[error("cannot import: {0}")]
    Import(#[from] enms_sim::Error),
    /// Binding or serving failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Installs the global log subscriber (JSON or text lines on standard error).
pub fn init_logging(config: &Config) -> Result<(), RunError> {
    let level = config.log.level_filter()?;
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false);
    // A second call (tests running several servers in one process) keeps the first subscriber.
    let _ = match config.log.format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
    Ok(())
}

/// Opens the configured store.
pub fn open_store(config: &Config) -> Result<Arc<dyn Store>, RunError> {
    match config.storage.backend {
        Backend::Sqlite => {
            let store = SqliteStore::open(&config.storage.data_dir)?;
            tracing::info!(backend = "sqlite", path = %store.path().display(), "store opened");
            Ok(Arc::new(store))
        }
    }
}

/// Imports the output of `enms-sim generate` (CSV or Parquet) from `dir`.
pub fn import_dir(store: &dyn Store, dir: &Path) -> Result<ImportSummary, RunError> {
    let t0 = std::time::Instant::now();
    let data = enms_sim::read_dir(dir)?;
    let read_s = t0.elapsed().as_secs_f64();
    let summary = store.import(&data)?;
    tracing::info!(
        dir = %dir.display(),
        factory_id = %data.factory.id,
        rows_read = summary.rows_read.total(),
        rows_changed = summary.rows_changed.total(),
        read_s,
        total_s = t0.elapsed().as_secs_f64(),
        "import finished"
    );
    Ok(summary)
}

/// The application state for a configuration and a store.
pub fn app_state(config: &Config, store: Arc<dyn Store>) -> Result<AppState, RunError> {
    let invalid = |e: enms_core::Error| crate::config::ConfigError::Invalid {
        key: format!("kpi.{}", e.field().unwrap_or("*")),
        reason: e.to_string(),
    };
    Ok(AppState {
        store,
        kpi: Arc::new(config.kpi.settings().map_err(invalid)?),
        rollup: config.kpi.rollup_options().map_err(invalid)?,
        max_raw_rows: config.api.max_raw_rows,
    })
}

/// Serves the API until SIGTERM or Ctrl-C.
pub fn serve(config: &Config) -> Result<(), RunError> {
    config.validate()?;
    let store = open_store(config)?;
    let state = app_state(config, store)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| RunError::Io {
            context: "cannot start the runtime".into(),
            source,
        })?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&config.server.listen)
            .await
            .map_err(|source| RunError::Io {
                context: format!("cannot listen on {}", config.server.listen),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| RunError::Io {
            context: "cannot read the listening address".into(),
            source,
        })?;
        tracing::info!(addr = %addr, version = env!("CARGO_PKG_VERSION"), "listening");
        axum::serve(listener, router(state))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|source| RunError::Io {
                context: "serving failed".into(),
                source,
            })?;
        tracing::info!("stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    let signal = tokio::select! {
        () = ctrl_c => "SIGINT",
        () = terminate => "SIGTERM",
    };
    tracing::info!(signal, "shutting down: finishing requests in flight");
}
