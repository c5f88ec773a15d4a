//! What is measured around a workload, and how: latency histograms, process
//! CPU time, peak RSS, bytes written to the device, bytes on disk, and the
//! page-cache drop for uncached workloads.
//!
//! Process-wide figures (CPU, RSS, I/O) are per engine because the runner
//! starts one child process per engine and workload.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// Latency percentiles of one workload, in microseconds.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Percentiles {
    /// The median.
    pub p50_us: f64,
    /// The 99th percentile.
    pub p99_us: f64,
    /// The 99.9th percentile.
    pub p999_us: f64,
    /// The longest.
    pub max_us: f64,
}

/// The longest latency a histogram tells apart; longer ones count as this.
/// An hour is far beyond any single operation.
pub const LATENCY_NANOS_MAX: u64 = 3_600 * 1_000_000_000;

/// Per-operation latencies of one thread, recorded in nanoseconds.
pub struct Latencies {
    histogram: Histogram<u64>,
}

impl Default for Latencies {
    fn default() -> Self {
        Self::new()
    }
}

impl Latencies {
    /// An empty histogram from 1 ns to [`LATENCY_NANOS_MAX`] with 3
    /// significant digits.
    pub fn new() -> Self {
        let histogram = Histogram::new_with_bounds(1, LATENCY_NANOS_MAX, 3)
            .unwrap_or_else(|error| unreachable!("constant bounds are valid: {error}"));
        Self { histogram }
    }

    /// Records one operation's latency.
    pub fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX).max(1);
        self.histogram.saturating_record(nanos);
    }

    /// Adds another thread's latencies to these.
    pub fn merge(&mut self, other: &Latencies) {
        // Both histograms have the same bounds, so adding cannot fail.
        self.histogram
            .add(&other.histogram)
            .unwrap_or_else(|error| unreachable!("histograms share bounds: {error}"));
    }

    /// The number of latencies recorded.
    pub fn len(&self) -> u64 {
        self.histogram.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.histogram.is_empty()
    }

    /// The percentiles, or `None` if nothing was recorded.
    pub fn percentiles(&self) -> Option<Percentiles> {
        if self.histogram.is_empty() {
            return None;
        }
        let us = |quantile: f64| self.histogram.value_at_quantile(quantile) as f64 / 1_000.0;
        Some(Percentiles {
            p50_us: us(0.50),
            p99_us: us(0.99),
            p999_us: us(0.999),
            max_us: self.histogram.max() as f64 / 1_000.0,
        })
    }
}

/// Runs `op(i)` for `i` in `0..count`, timing each call; the time between two
/// consecutive clock reads is one operation, so each costs one clock read.
pub fn timed(count: u64, mut op: impl FnMut(u64) -> Result<()>) -> Result<(Latencies, Duration)> {
    let mut latencies = Latencies::new();
    let started = Instant::now();
    let mut last = started;
    for i in 0..count {
        op(i)?;
        let now = Instant::now();
        latencies.record(now - last);
        last = now;
    }
    Ok((latencies, last - started))
}

/// Process-wide counters taken at the start of a measured phase.
pub struct Probe {
    cpu: Duration,
    device_bytes: Option<u64>,
    peak_rss_reset: bool,
}

/// What a [`Probe`] saw between its start and its finish.
pub struct ProbeReading {
    /// CPU seconds of all threads.
    pub cpu_seconds: f64,
    /// Bytes written to the device, where the kernel accounts them.
    pub device_bytes_written: Option<u64>,
    /// Peak RSS since the start, where the kernel let the peak be reset.
    pub peak_rss_bytes: Option<u64>,
}

impl Probe {
    /// Resets the peak RSS and reads the counters.
    pub fn start() -> Self {
        let peak_rss_reset = reset_peak_rss();
        Self { cpu: process_cpu_time(), device_bytes: device_bytes_written(), peak_rss_reset }
    }

    /// Reads the counters again and returns the differences.
    pub fn finish(self) -> ProbeReading {
        ProbeReading {
            cpu_seconds: (process_cpu_time() - self.cpu).as_secs_f64(),
            device_bytes_written: self
                .device_bytes
                .zip(device_bytes_written())
                .map(|(before, after)| after.saturating_sub(before)),
            peak_rss_bytes: if self.peak_rss_reset { peak_rss_bytes() } else { None },
        }
    }
}

/// CPU time (user + system) used so far by all threads of this process.
pub fn process_cpu_time() -> Duration {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    let nanos = u64::try_from(now.tv_nsec).unwrap_or(0);
    Duration::from_secs(u64::try_from(now.tv_sec).unwrap_or(0)) + Duration::from_nanos(nanos)
}

/// Bytes this process has caused to be written to storage so far (Linux
/// `/proc/self/io`: `write_bytes` less `cancelled_write_bytes`, all threads
/// included), or `None` where the kernel does not account them.
pub fn device_bytes_written() -> Option<u64> {
    let io = fs::read_to_string("/proc/self/io").ok()?;
    let field = |name: &str| -> Option<u64> {
        io.lines().find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
    };
    Some(field("write_bytes:")?.saturating_sub(field("cancelled_write_bytes:")?))
}

/// The peak resident set size of this process (`VmHWM`), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status.lines().find_map(|line| {
        line.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim().parse().ok()
    })?;
    Some(kib * 1024)
}

/// Resets the peak RSS to the current RSS, so that the peak measures the
/// workload and not the load before it. Returns whether the kernel allowed it.
pub fn reset_peak_rss() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Bytes allocated on disk for everything under `dir` (like `du`).
pub fn disk_bytes(dir: &Path) -> std::io::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let metadata = entry.metadata()?;
        total +=
            if metadata.is_dir() { disk_bytes(&entry.path())? } else { metadata.blocks() * 512 };
    }
    Ok(total)
}

/// Writes back dirty pages and drops the whole page cache, so that the next
/// reads come from the device. Needs root; returns whether it happened.
pub fn drop_page_cache() -> bool {
    rustix::fs::sync();
    fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_follow_the_recorded_latencies() {
        let mut latencies = Latencies::new();
        assert!(latencies.percentiles().is_none());
        for micros in 1..=1000 {
            latencies.record(Duration::from_micros(micros));
        }
        let p = latencies.percentiles().unwrap();
        assert!((p.p50_us - 500.0).abs() < 1.0, "{p:?}");
        assert!((p.p99_us - 990.0).abs() < 2.0, "{p:?}");
        assert!(p.p999_us >= p.p99_us);
    }

    #[test]
    fn merged_latencies_count_both_threads() {
        let (mut a, mut b) = (Latencies::new(), Latencies::new());
        a.record(Duration::from_micros(1));
        b.record(Duration::from_micros(2));
        a.merge(&b);
        assert_eq!(a.len(), 2);
    }

    #[test]
    fn disk_bytes_counts_nested_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("sub/f"), vec![1u8; 10_000]).unwrap();
        assert!(disk_bytes(dir.path()).unwrap() >= 10_000);
    }

    #[test]
    fn cpu_time_advances_with_work() {
        let before = process_cpu_time();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = std::hint::black_box(x.wrapping_add(i));
        }
        assert!(process_cpu_time() > before);
    }
}
