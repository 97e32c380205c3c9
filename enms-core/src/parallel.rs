//! Work shared among scoped threads (no pool, no dependency): how many threads, and an ordered
//! parallel map.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads to use: `n_jobs` (all cores when `None`), at least 1 and at most `work`.
pub(crate) fn threads(n_jobs: Option<usize>, work: usize) -> usize {
    let avail = std::thread::available_parallelism().map_or(1, |n| n.get());
    n_jobs.unwrap_or(avail).clamp(1, work.max(1))
}

/// `f(0), ..., f(n - 1)` on up to `workers` threads (the calling one included), each thread
/// taking the next index when it is free; the results in index order. An index whose call
/// panicked is `None` (the panic does not cross this function).
pub(crate) fn map<T: Send>(
    n: usize,
    workers: usize,
    f: impl Fn(usize) -> T + Sync,
) -> Vec<Option<T>> {
    let call = |i: usize| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(i))).ok();
    if workers <= 1 || n <= 1 {
        return (0..n).map(call).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break done;
            }
            done.push((i, call(i)));
        }
    };
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (1..workers.min(n)).map(|_| s.spawn(work)).collect();
        let mut parts = vec![work()];
        parts.extend(handles.into_iter().map(|h| h.join().unwrap_or_default()));
        for (i, v) in parts.into_iter().flatten() {
            out[i] = v;
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_in_index_order_on_any_number_of_threads() {
        for workers in [1, 2, 3, 8] {
            let v = map(50, workers, |i| i * i);
            assert_eq!(v, (0..50).map(|i| Some(i * i)).collect::<Vec<_>>());
        }
        assert!(map(0, 4, |i| i).is_empty());
    }

    #[test]
    fn a_panicking_call_is_none() {
        for workers in [1, 2] {
            let v = map(4, workers, |i| {
                assert!(i != 2, "boom");
                i
            });
            assert_eq!(v[2], None);
            assert_eq!(v[3], Some(3));
        }
    }

    #[test]
    fn thread_counts() {
        assert_eq!(threads(Some(4), 2), 2);
        assert_eq!(threads(Some(0), 10), 1);
        assert!(threads(None, 100) >= 1);
    }
}
