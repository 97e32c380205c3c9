//! The web portal: a page for people at `GET /` and its assets under `/portal/`, embedded in the
//! binary (`include_str!`), with nothing to build and nothing fetched from elsewhere.
//!
//! The portal is plain HTML, CSS and JavaScript modules (`enms-server/portal/`): an API client,
//! hand-written SVG charts and one module per view (site overview, machine, baselines, forecast,
//! anomaly events). It is a face like the Python and Node packages: every number it shows comes
//! from the REST API under `/api/v1`, and no energy formula lives in it. What each view shows and
//! which endpoints feed it is in `docs/portal.md`.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::ApiError;

/// One embedded file of the portal: its path under `/portal/`, media type and content.
struct Asset {
    path: &'static str,
    media_type: &'static str,
    body: &'static str,
}

/// An embedded file of `enms-server/portal/`, by its path there.
macro_rules! asset {
    ($path:literal, $media_type:expr) => {
        Asset {
            path: $path,
            media_type: $media_type,
            body: include_str!(concat!("../portal/", $path)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// The portal's files, by their path under `/portal/`.
const ASSETS: &[Asset] = &[
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("js/main.js", JS),
    asset!("js/api.js", JS),
    asset!("js/chart.js", JS),
    asset!("js/ui.js", JS),
    asset!("js/views/overview.js", JS),
    asset!("js/views/machine.js", JS),
    asset!("js/views/baselines.js", JS),
    asset!("js/views/weather.js", JS),
    asset!("js/views/forecast.js", JS),
    asset!("js/views/anomalies.js", JS),
];

const INDEX: &str = include_str!("../portal/index.html");

/// Only this server's own files and API: no script, style or request goes anywhere else.
const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
                   frame-ancestors 'none'";

fn page(media_type: &'static str, body: &'static str) -> Response {
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

async fn index() -> Response {
    page("text/html; charset=utf-8", INDEX)
}

async fn asset(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.path == path) {
        Some(a) => page(a.media_type, a.body),
        None => ApiError::not_found("portal file", &path).into_response(),
    }
}

/// The portal's routes: `/` (the page) and `/portal/{*path}` (its assets).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/portal/{*path}", get(asset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_the_portal_imports_is_served() {
        // each `import ... from "./x.js"` of a served module names a served file
        for a in ASSETS.iter().filter(|a| a.path.ends_with(".js")) {
            let dir = a.path.rsplit_once('/').map_or("", |(d, _)| d);
            for line in a
                .body
                .lines()
                .filter(|l| l.trim_start().starts_with("import "))
            {
                let Some(spec) = line.split('"').nth(1) else {
                    continue;
                };
                let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
                for seg in spec.split('/') {
                    match seg {
                        "." => {}
                        ".." => {
                            parts.pop();
                        }
                        s => parts.push(s),
                    }
                }
                let target = parts.join("/");
                assert!(
                    ASSETS.iter().any(|x| x.path == target),
                    "{} imports {spec} ({target}), which is not served",
                    a.path
                );
            }
        }
        assert!(INDEX.contains("/portal/js/main.js"));
    }
}
