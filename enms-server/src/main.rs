//! `enms-server`: the reference server. Serving arrives with the faces issue; today the binary
//! reports its version and what it will do.

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_default();
    match arg.as_str() {
        "--version" | "-V" => println!("enms-server {}", env!("CARGO_PKG_VERSION")),
        _ => {
            eprintln!(
                "enms-server {}: the REST API, MQTT ingestion and portal are not built yet (see the faces issue).\n\
                 For now use `enms-sim kpis` for KPIs of simulated data.",
                env!("CARGO_PKG_VERSION")
            );
            std::process::exit(2);
        }
    }
}
