//! Results: one [`Measurement`] per engine and workload, gathered into a
//! [`Report`] that prints as a markdown table or serialises as JSON.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use std::time::Duration;

use crate::measure::{Latencies, Percentiles, ProbeReading};
use crate::workload::RunConfig;

/// The engine whose figures are compared with every other engine's in the
/// ratio column.
pub const SUBJECT_ENGINE: &str = "srdb";

/// The figures of one workload on one engine.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Measurement {
    /// The engine's name.
    pub engine: String,
    /// The workload's name.
    pub workload: String,
    /// Operations measured.
    pub ops: u64,
    /// Wall-clock seconds of the operations.
    pub seconds: f64,
    /// Operations per second.
    pub ops_per_sec: f64,
    /// Per-operation latency percentiles; `None` where operations are too
    /// short to time one by one (scans).
    pub latency: Option<Percentiles>,
    /// CPU seconds (user + system, all threads) of the operations and the
    /// final flush.
    pub cpu_seconds: f64,
    /// Peak resident set size during the operations, in bytes; `None` where
    /// the kernel could not reset the peak after the load.
    pub peak_rss_bytes: Option<u64>,
    /// Bytes allocated on disk by the database once closed.
    pub disk_bytes: u64,
    /// Key and value bytes the workload wrote (keys only for deletes).
    pub user_bytes_written: u64,
    /// Bytes the process caused to be written to the device during the
    /// operations and the final flush.
    pub device_bytes_written: Option<u64>,
    /// `device_bytes_written / user_bytes_written`, for writing workloads.
    pub write_amplification: Option<f64>,
    /// Seconds of the final flush of a writing workload.
    pub flush_seconds: f64,
    /// For uncached workloads: whether the page cache was dropped (it needs
    /// root). `None` for workloads that run cached.
    pub page_cache_dropped: Option<bool>,
    /// Anything the figures need to be read correctly.
    pub note: Option<String>,
}

/// What a workload's own code knows of its measured phase.
pub struct PhaseFigures<'a> {
    /// Operations done.
    pub ops: u64,
    /// Wall-clock time of the operations.
    pub elapsed: Duration,
    /// Per-operation latencies, or `None` where operations were not timed
    /// one by one.
    pub latencies: Option<&'a Latencies>,
    /// Key and value bytes written.
    pub user_bytes_written: u64,
    /// Seconds of the final flush.
    pub flush_seconds: f64,
    /// Whether the page cache was dropped before an uncached workload.
    pub page_cache_dropped: Option<bool>,
    /// Anything the figures need to be read correctly.
    pub note: Option<String>,
}

impl Measurement {
    /// Puts together the figures of one workload on one engine; write
    /// amplification is derived where bytes were written.
    pub fn new(
        engine: &str,
        workload: &str,
        phase: PhaseFigures<'_>,
        reading: ProbeReading,
        disk_bytes: u64,
    ) -> Self {
        let seconds = phase.elapsed.as_secs_f64();
        let write_amplification = match reading.device_bytes_written {
            Some(device) if phase.user_bytes_written > 0 => {
                Some(device as f64 / phase.user_bytes_written as f64)
            }
            _ => None,
        };
        Self {
            engine: engine.to_string(),
            workload: workload.to_string(),
            ops: phase.ops,
            seconds,
            ops_per_sec: phase.ops as f64 / seconds.max(f64::MIN_POSITIVE),
            latency: phase.latencies.and_then(Latencies::percentiles),
            cpu_seconds: reading.cpu_seconds,
            peak_rss_bytes: reading.peak_rss_bytes,
            disk_bytes,
            user_bytes_written: phase.user_bytes_written,
            device_bytes_written: reading.device_bytes_written,
            write_amplification,
            flush_seconds: phase.flush_seconds,
            page_cache_dropped: phase.page_cache_dropped,
            note: phase.note,
        }
    }
}

/// A whole run: its conditions and its measurements.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// The command line that produced the report.
    pub command: String,
    /// The machine: CPU, cores, memory, kernel.
    pub machine: String,
    /// The settings of the run, in words.
    pub settings: Vec<String>,
    /// The settings of the run, as given to every child.
    pub config: RunConfig,
    /// One line per engine: its version and settings as opened.
    pub engines: Vec<String>,
    /// Every measurement, workload by workload.
    pub results: Vec<Measurement>,
}

impl Report {
    /// The report as markdown: conditions, then one table row per workload
    /// and engine. The `srdb / this` column (ratio of srdb's ops/s to the row's)
    /// appears when srdb is among the engines.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Command: `{}`\n", self.command);
        let _ = writeln!(out, "Machine: {}\n", self.machine);
        for line in &self.settings {
            let _ = writeln!(out, "- {line}");
        }
        for line in &self.engines {
            let _ = writeln!(out, "- {line}");
        }
        let with_ratio = self.results.iter().any(|m| m.engine == SUBJECT_ENGINE);
        out.push_str(
            "\n| workload | engine | ops/s | p50 us | p99 us | p99.9 us | CPU s | peak RSS MiB \
             | disk MiB | write amp |",
        );
        out.push_str(if with_ratio { " srdb / this |\n" } else { "\n" });
        out.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        out.push_str(if with_ratio { " ---: |\n" } else { "\n" });
        for m in &self.results {
            let mib = |bytes: u64| format!("{:.1}", bytes as f64 / f64::from(1 << 20));
            let latency = |pick: fn(&Percentiles) -> f64| {
                m.latency.as_ref().map_or("-".to_string(), |p| format_us(pick(p)))
            };
            let _ = write!(
                out,
                "| {} | {} | {} | {} | {} | {} | {:.2} | {} | {} | {} |",
                m.workload,
                m.engine,
                format_rate(m.ops_per_sec),
                latency(|p| p.p50_us),
                latency(|p| p.p99_us),
                latency(|p| p.p999_us),
                m.cpu_seconds,
                m.peak_rss_bytes.map_or("-".to_string(), mib),
                mib(m.disk_bytes),
                m.write_amplification.map_or("-".to_string(), |w| format!("{w:.2}")),
            );
            if with_ratio {
                let _ = write!(out, " {} |", self.ratio_cell(m));
            }
            out.push('\n');
        }
        let notes: Vec<_> = self
            .results
            .iter()
            .filter_map(|m| m.note.as_ref().map(|note| (m, note)))
            .map(|(m, note)| format!("- {} / {}: {note}", m.workload, m.engine))
            .collect();
        if !notes.is_empty() {
            out.push_str("\nNotes:\n");
            out.push_str(&notes.join("\n"));
            out.push('\n');
        }
        out
    }

    /// srdb's ops/s over `m`'s for the same workload, or `-`.
    fn ratio_cell(&self, m: &Measurement) -> String {
        if m.engine == SUBJECT_ENGINE {
            return "-".to_string();
        }
        self.results
            .iter()
            .find(|s| s.engine == SUBJECT_ENGINE && s.workload == m.workload)
            .filter(|_| m.ops_per_sec > 0.0)
            .map_or("-".to_string(), |s| format!("{:.2}x", s.ops_per_sec / m.ops_per_sec))
    }
}

/// Ops/s with a unit that keeps three significant digits readable.
fn format_rate(ops_per_sec: f64) -> String {
    if ops_per_sec >= 1e6 {
        format!("{:.2}M", ops_per_sec / 1e6)
    } else if ops_per_sec >= 1e3 {
        format!("{:.1}K", ops_per_sec / 1e3)
    } else {
        format!("{ops_per_sec:.0}")
    }
}

/// Microseconds with precision to match their size.
fn format_us(us: f64) -> String {
    if us < 10.0 {
        format!("{us:.2}")
    } else if us < 1000.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Sizes;

    fn measurement(engine: &str, ops_per_sec: f64) -> Measurement {
        Measurement {
            engine: engine.into(),
            workload: "fillseq".into(),
            ops: 10,
            seconds: 1.0,
            ops_per_sec,
            latency: Some(Percentiles {
                p50_us: 0.5,
                p99_us: 12.0,
                p999_us: 1500.0,
                max_us: 2000.0,
            }),
            cpu_seconds: 1.0,
            peak_rss_bytes: Some(3 << 20),
            disk_bytes: 1 << 20,
            user_bytes_written: 100,
            device_bytes_written: Some(250),
            write_amplification: Some(2.5),
            flush_seconds: 0.0,
            page_cache_dropped: None,
            note: None,
        }
    }

    fn report(results: Vec<Measurement>) -> Report {
        Report {
            command: "srdb-bench".into(),
            machine: "m".into(),
            settings: vec![],
            config: RunConfig {
                sizes: Sizes::TINY,
                key_bytes: 16,
                value_bytes: 100,
                threads: 2,
                cache_bytes: 1 << 20,
                seed: 1,
            },
            engines: vec![],
            results,
        }
    }

    #[test]
    fn peers_alone_have_no_ratio_column() {
        let md = report(vec![measurement("fjall", 1e6)]).to_markdown();
        assert!(!md.contains("srdb / this"));
        assert!(md.contains(
            "| fillseq | fjall | 1.00M | 0.50 | 12.0 | 1500 | 1.00 | 3.0 | 1.0 | 2.50 |"
        ));
    }

    #[test]
    fn ratio_compares_srdb_with_each_peer() {
        let md = report(vec![measurement("srdb", 3e6), measurement("fjall", 1e6)]).to_markdown();
        assert!(md.contains("srdb / this"));
        assert!(md.contains("| fillseq | fjall | 1.00M |"));
        assert!(md.contains(" 3.00x |"));
    }
}
