//! `srdb-bench`: runs the key-value workloads on each engine, each in a child
//! process on a fresh directory, and prints a markdown table of the results.
//!
//! ```text
//! cargo run --release -p srdb-bench -- --quick
//! cargo run -p srdb-bench -- --tiny --engines fjall --workloads fillseq,readrandom
//! ```

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use srdb_bench::engine::{Durability, EngineOptions};
use srdb_bench::engines::{describe_kv_engine, describe_table_engine, KV_ENGINES, TABLE_ENGINES};
use srdb_bench::error::{Error, Result};
use srdb_bench::report::Report;
use srdb_bench::runner::{engines_for, run_child, spawn_child, ChildSpec};
use srdb_bench::workload::{RunConfig, Sizes, Workload};

/// Side-by-side benchmarks of srdb and its peers.
#[derive(Parser, Debug)]
#[command(name = "srdb-bench", version)]
struct Args {
    /// Sizes for a run of all engines and workloads in a few minutes (release).
    #[arg(long, conflicts_with = "tiny")]
    quick: bool,
    /// Sizes for a smoke run of seconds that exercises every workload path.
    #[arg(long)]
    tiny: bool,
    /// Engines to run, comma-separated [default: all in this build].
    #[arg(long, value_delimiter = ',')]
    engines: Vec<String>,
    /// Workloads to run, comma-separated [default: all]; `--list` names them.
    #[arg(long, value_delimiter = ',')]
    workloads: Vec<String>,
    /// Entries written by fills and loaded before reads [default: 1000000, quick 200000].
    #[arg(long)]
    num: Option<u64>,
    /// Operations of the cached read workloads [default: --num].
    #[arg(long)]
    reads: Option<u64>,
    /// Reads of `readcold` [default: 10000, quick 2000].
    #[arg(long)]
    cold_reads: Option<u64>,
    /// Commits of the fsync-per-commit workloads [default: 10000, quick 2000].
    #[arg(long)]
    sync_ops: Option<u64>,
    /// Bytes per key (at least 8).
    #[arg(long, default_value_t = 16)]
    key_size: usize,
    /// Bytes per value.
    #[arg(long, default_value_t = 100)]
    value_size: usize,
    /// Threads of `readwhilewriting`: one writer, the rest readers.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Cache MiB given to every engine.
    #[arg(long, default_value_t = 64)]
    cache_mib: u64,
    /// Seed of all random choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory for the databases [default: a temporary directory].
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Also write the markdown report to this file.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// List engines and workloads, then exit.
    #[arg(long)]
    list: bool,
    /// Internal: run one engine on one workload and print the result as JSON.
    #[arg(long, hide = true)]
    child: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match &args.child {
        Some(spec) => child_main(spec),
        None => parent_main(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("srdb-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn child_main(spec: &str) -> Result<()> {
    let spec: ChildSpec = serde_json::from_str(spec)?;
    let measurement = run_child(&spec)?;
    println!("{}", serde_json::to_string(&measurement)?);
    Ok(())
}

fn parent_main(args: &Args) -> Result<()> {
    if args.list {
        println!("key-value engines: {}", KV_ENGINES.join(", "));
        println!("table engines: {}", TABLE_ENGINES.join(", "));
        let names: Vec<_> = Workload::all().iter().map(|w| w.name()).collect();
        println!("workloads: {}", names.join(", "));
        return Ok(());
    }
    let config = run_config(args);
    config.validate()?;
    check_engines(args)?;
    let workloads = chosen_workloads(args)?;
    let plan: Vec<(Workload, String)> = workloads
        .iter()
        .flat_map(|&workload| {
            engines_for(workload, &args.engines).into_iter().map(move |engine| (workload, engine))
        })
        .collect();
    if plan.is_empty() {
        return Err(Error::Config("no chosen engine runs any chosen workload".into()));
    }

    let temp;
    let base = match &args.dir {
        Some(dir) => {
            fs::create_dir_all(dir)?;
            dir.clone()
        }
        None => {
            temp = tempfile::Builder::new().prefix("srdb-bench-").tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let exe = std::env::current_exe()?;
    let total = plan.len();
    let mut results = Vec::with_capacity(total);
    for (workload, engine) in &plan {
        let dir = base.join(format!("{}-{engine}", workload.name()));
        let m = spawn_child(&exe, engine, workload.name(), &config, &dir)?;
        eprintln!(
            "[{}/{total}] {:<16} {:<8} {:>12.0} ops/s",
            results.len() + 1,
            workload.name(),
            engine,
            m.ops_per_sec
        );
        results.push(m);
    }
    let mut engines: Vec<String> = Vec::new();
    for (_, engine) in &plan {
        if !engines.contains(engine) {
            engines.push(engine.clone());
        }
    }

    let report = Report {
        command: command_line(),
        machine: machine_description(),
        settings: settings(&config),
        config: config.clone(),
        engines: engine_lines(&engines, &config)?,
        results,
    };
    let markdown = report.to_markdown();
    println!("{markdown}");
    if let Some(path) = &args.markdown {
        fs::write(path, &markdown)?;
    }
    if let Some(path) = &args.json {
        fs::write(path, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}

fn run_config(args: &Args) -> RunConfig {
    let base = if args.tiny {
        Sizes::TINY
    } else if args.quick {
        Sizes::QUICK
    } else {
        Sizes::FULL
    };
    let num = args.num.unwrap_or(base.num);
    let reads = args.reads.unwrap_or(if args.num.is_some() { num } else { base.reads });
    RunConfig {
        sizes: Sizes {
            num,
            reads,
            cold_reads: args.cold_reads.unwrap_or(base.cold_reads),
            sync_ops: args.sync_ops.unwrap_or(base.sync_ops),
        },
        key_bytes: args.key_size,
        value_bytes: args.value_size,
        threads: args.threads,
        cache_bytes: args.cache_mib << 20,
        seed: args.seed,
    }
}

fn check_engines(args: &Args) -> Result<()> {
    for name in &args.engines {
        if !KV_ENGINES.contains(&name.as_str()) && !TABLE_ENGINES.contains(&name.as_str()) {
            return Err(Error::Config(format!(
                "unknown engine {name:?}; this build has {} and {}",
                KV_ENGINES.join(", "),
                TABLE_ENGINES.join(", ")
            )));
        }
    }
    Ok(())
}

fn chosen_workloads(args: &Args) -> Result<Vec<Workload>> {
    if args.workloads.is_empty() {
        return Ok(Workload::all());
    }
    args.workloads
        .iter()
        .map(|name| {
            Workload::from_name(name)
                .ok_or_else(|| Error::Config(format!("unknown workload {name:?}; see --list")))
        })
        .collect()
}

fn command_line() -> String {
    let args: Vec<_> = std::env::args().skip(1).collect();
    let profile = if cfg!(debug_assertions) { "" } else { "--release " };
    format!("cargo run {profile}-p srdb-bench -- {}", args.join(" ")).trim_end().to_string()
}

fn settings(config: &RunConfig) -> Vec<String> {
    let sizes = &config.sizes;
    let root = fs::write("/proc/sys/vm/drop_caches", "").is_ok();
    vec![
        format!(
            "{} B keys, {} B values of random (incompressible) bytes; compression off in every engine",
            config.key_bytes, config.value_bytes
        ),
        format!(
            "num {} entries, reads {}, readcold {} reads, fillsync {} commits, \
             readwhilewriting {} threads (1 writer), seed {}",
            sizes.num, sizes.reads, sizes.cold_reads, sizes.sync_ops, config.threads, config.seed
        ),
        format!("cache {} MiB per engine", config.cache_bytes >> 20),
        "durability: buffered (no fsync per commit) everywhere except fillsync1 and fillsync16 \
         (fsync per commit); read and update workloads start from num entries (or rows) \
         loaded in batches of 1000 and flushed"
            .to_string(),
        "tables: insertrows commits one row per insert, insertbatch and insertindexed 1000 \
         rows per commit; insertbatch has no secondary index, insertindexed indexes account \
         and city on every engine, the other table workloads run with each engine's indexes \
         for the queries"
            .to_string(),
        format!(
            "page cache: dropped only before readcold (uncached reads){}; every other read \
             workload runs cached",
            if root { "" } else { " - NOT dropped in this run: not root" }
        ),
        "each engine and workload runs in its own process on a fresh directory; CPU, peak RSS \
         and write amplification are per process. ops/s and latency cover the operations; CPU \
         and write amplification also cover the final flush of writing workloads"
            .to_string(),
        format!("build: {}", if cfg!(debug_assertions) { "debug" } else { "release" }),
    ]
}

fn engine_lines(engines: &[String], config: &RunConfig) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    for durability in [Durability::Buffered, Durability::Sync] {
        let options = EngineOptions { cache_bytes: config.cache_bytes, durability };
        for engine in engines {
            lines.push(if KV_ENGINES.contains(&engine.as_str()) {
                describe_kv_engine(engine, &options)?
            } else {
                describe_table_engine(engine, &options)?
            });
        }
    }
    Ok(lines)
}

fn machine_description() -> String {
    let read = |path: &str| fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name")?.split(':').nth(1))
        .unwrap_or("unknown CPU")
        .trim()
        .to_string();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = read("/proc/meminfo");
    let mem_gib = meminfo
        .lines()
        .find_map(|line| {
            line.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()
        })
        .map_or(0.0, |kib| kib as f64 / f64::from(1 << 20));
    let kernel = read("/proc/sys/kernel/osrelease").trim().to_string();
    let load = read("/proc/loadavg").split_whitespace().take(3).collect::<Vec<_>>().join(" ");
    format!(
        "{cpu}, {cores} cores, {mem_gib:.1} GiB RAM, Linux {kernel}, load average at start {load}"
    )
}
