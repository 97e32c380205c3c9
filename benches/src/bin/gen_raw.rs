//! Writes the benchmark's one-second power data as raw arrays: `gen_raw DIR ROWS`.

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(rows)) = (
        args.next(),
        args.next().and_then(|r| r.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: gen_raw DIR ROWS");
        std::process::exit(2);
    };
    let (ts, p) = enms_benches::one_second_power(rows);
    if let Err(e) = enms_benches::write_raw(std::path::Path::new(&dir), &ts, &p) {
        eprintln!("cannot write {dir}: {e}");
        std::process::exit(1);
    }
}
