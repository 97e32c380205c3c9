//! Shared helpers of the integration tests: simulated data sets, the real `enms-server` binary
//! started on a free loopback port, and a minimal blocking HTTP/1.1 client over `TcpStream`.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use enms_core::baseline::dataset::{DriverData, ModellingTable, TableSpec};
use enms_core::series::PowerView;
use enms_core::time::{parse_rfc3339, TimeRange, Timestamp, MICROS_PER_DAY};
use enms_sim::{FactoryConfig, SimOutput, Simulator};

pub const BIN: &str = env!("CARGO_BIN_EXE_enms-server");

/// A fresh directory under the target's temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let dir = base.join(format!("enms-server-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One simulated day of the demo plant from local midnight of 2025-01-06 (seed 42).
pub fn simulate_day() -> SimOutput {
    let sim = Simulator::new(FactoryConfig::default(), 42).unwrap();
    let start = parse_rfc3339("2025-01-06T00:00:00+01:00").unwrap();
    sim.generate(start, start + MICROS_PER_DAY).unwrap()
}

/// Runs `enms-server import DIR` and returns the summary it prints.
pub fn import(dir: &Path, data_dir: &Path, envs: &[(&str, &str)]) -> serde_json::Value {
    let out = Command::new(BIN)
        .arg("import")
        .arg(dir)
        .arg("--data-dir")
        .arg(data_dir)
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A running `enms-server serve`, killed on drop if still running.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub logs: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `enms-server [args] serve --listen 127.0.0.1:0 [serve_args]` and waits for the
    /// "listening" log line, which holds the port it got.
    pub fn start(args: &[&str], serve_args: &[&str], envs: &[(&str, &str)]) -> Server {
        let mut child = Command::new(BIN)
            .args(args)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(serve_args)
            .envs(envs.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let mut seen = Vec::new();
        let addr = loop {
            let Some(Ok(line)) = lines.next() else {
                panic!("server exited before listening: {seen:#?}");
            };
            seen.push(line.clone());
            if let Some(addr) = listening_addr(&line) {
                break addr;
            }
        };
        let logs = Arc::new(Mutex::new(seen));
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Server { child, addr, logs }
    }

    pub fn get(&self, path: &str) -> (u16, serde_json::Value) {
        http_get(&self.addr, path)
    }

    pub fn post(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        http_request(&self.addr, "POST", path, Some(&body.to_string()))
    }

    pub fn delete(&self, path: &str) -> (u16, serde_json::Value) {
        http_request(&self.addr, "DELETE", path, None)
    }

    /// Sends SIGTERM and waits (at most a minute) for the process to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        // the shell's kill builtin: no dependency on a kill binary
        let kill = Command::new("sh")
            .args(["-c", "kill -TERM \"$0\"", &pid])
            .status()
            .unwrap();
        assert!(kill.success());
        let t0 = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "server did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log_lines(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The address in a "listening" log line, JSON (`"addr":"..."`) or text (`addr=...`).
fn listening_addr(line: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
        if v["message"] == "listening" {
            return v["addr"].as_str().map(str::to_string);
        }
        return None;
    }
    if line.contains("listening") {
        let rest = &line[line.find("addr=")? + 5..];
        return Some(rest.split_whitespace().next()?.to_string());
    }
    None
}

/// `GET path` over HTTP/1.1 with `Connection: close`; returns the status and the JSON body.
pub fn http_get(addr: &str, path: &str) -> (u16, serde_json::Value) {
    http_request(addr, "GET", path, None)
}

/// `method path` with an optional JSON body; returns the status and the JSON body.
pub fn http_request(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("no status");
    if status == 204 {
        // no content
        return (status, serde_json::Value::Null);
    }
    let lower = head.to_ascii_lowercase();
    if lower.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    assert!(
        lower.contains("content-type: application/json"),
        "not JSON: {head}"
    );
    let json =
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("invalid JSON from {path}: {e}"));
    (status, json)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&b[..line_end])
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .unwrap();
        b = &b[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

/// Relative closeness for numbers computed the same way on the same data (the server reads its
/// values back bit for bit; only summation order could differ).
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Compares a JSON number (or null) with an optional expected value.
pub fn assert_num(json: &serde_json::Value, expected: Option<f64>, what: &str) {
    match (json.as_f64(), expected) {
        (Some(a), Some(b)) => assert!(close(a, b), "{what}: server {a}, core {b}"),
        (None, None) => assert!(json.is_null(), "{what}: {json}"),
        (a, b) => panic!("{what}: server {a:?} ({json}), core {b:?}"),
    }
}

/// The modelling table enms-core builds directly from a simulated data set: the machine's power,
/// its production and running flags, the factory's outdoor temperature for the weather drivers,
/// nothing for the calendar drivers.
pub fn modelling_table(
    data: &SimOutput,
    machine: &str,
    spec: &TableSpec,
    range: TimeRange,
) -> ModellingTable {
    let power = data
        .energy
        .iter()
        .find(|t| t.machine_id == machine)
        .unwrap();
    let prod = data.production_of(machine);
    let status = data.status_of(machine).unwrap();
    let running: Vec<f64> = status
        .is_running
        .iter()
        .map(|b| f64::from(u8::from(*b)))
        .collect();
    let env = &data.environment;
    let (env_ts, temp): (Vec<Timestamp>, Vec<f64>) = env
        .ts
        .iter()
        .zip(&env.outdoor_temp_c)
        .filter(|(_, t)| !t.is_nan())
        .map(|(a, b)| (*a, *b))
        .unzip();
    let inputs: Vec<DriverData<'_>> = spec
        .drivers
        .iter()
        .map(|d| match d.name.as_str() {
            "production" => {
                let p = prod.unwrap();
                DriverData::new(&p.ts, &p.production_count)
            }
            "operating_hours" => DriverData::new(&status.ts, &running),
            "day_type" | "shift" => DriverData::default(),
            _ => DriverData::new(&env_ts, &temp),
        })
        .collect();
    ModellingTable::build(
        spec,
        range,
        PowerView::new(&power.ts, &power.power_kw).unwrap(),
        &inputs,
    )
    .unwrap()
}

/// The numbers of a JSON array.
pub fn numbers(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Changes a value in place and hands it on: `body.tap(|b| b["end"] = json!(...))`.
pub trait Tap: Sized {
    fn tap(self, f: impl FnOnce(&mut Self)) -> Self;
}

impl Tap for serde_json::Value {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}

/// Drops the factory's environment (weather) from `until` on: periods with readings but no
/// temperature.
pub fn weather_until(data: &mut SimOutput, until: Timestamp) {
    let keep = data.environment.ts.partition_point(|t| *t < until);
    let env = &mut data.environment;
    env.ts.truncate(keep);
    env.outdoor_temp_c.truncate(keep);
    env.indoor_temp_c.truncate(keep);
    env.humidity_pct.truncate(keep);
    env.pressure_hpa.truncate(keep);
}
