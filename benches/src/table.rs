//! Table workloads: the engine interface for tables, the rows they hold, and
//! the runner that measures one table workload on one engine.
//!
//! The table has five fields: `_seq` (the primary key), `_time` (nanoseconds
//! since the Unix epoch, increasing with `_seq`), `account` (an integer with a
//! secondary index, about 100 rows per value), `score` (a float in `[0, 1)`)
//! and `city` (one of 16 short strings). Every field of row `seq` is a
//! function of `seq` and the seed, so answers are checked exactly.

use std::path::Path;
use std::time::Instant;

use crate::engine::{Durability, EngineOptions};
use crate::error::{Error, Result};
use crate::measure::{self, timed, Probe};
use crate::report::{Measurement, PhaseFigures};
use crate::workload::{RunConfig, TableIndexes, TableWorkload, INSERT_BATCH_ROWS};

/// Rows per commit when loading the table before a read workload.
pub const LOAD_BATCH_ROWS: usize = 1_000;

/// Average rows per `account` value: an equality query returns about 100
/// rows and a range over ten values about 1,000, the result sizes of the
/// query goals.
const ROWS_PER_ACCOUNT: u64 = 100;

/// Queries of `filteredscan`: each one reads the whole table. Twenty, so
/// that the median is not at the mercy of a second of a noisy machine.
const FILTERED_SCAN_QUERIES: u64 = 20;

/// The smallest score of `filteredscan`'s queries.
const FILTER_SCORE_MIN: f64 = 0.5;

/// The `_time` of row 0 (row 1 is one step later): 2025-01-01T00:00:00Z.
const TIME_ORIGIN_NS: i64 = 1_735_689_600_000_000_000;

/// `_time` distance between consecutive rows.
const TIME_STEP_NS: i64 = 1_000;

/// The values of `city`.
const CITIES: [&str; 16] = [
    "Amsterdam",
    "Beijing",
    "Cairo",
    "Delhi",
    "Helsinki",
    "Lagos",
    "Lima",
    "London",
    "Madrid",
    "Nairobi",
    "Oslo",
    "Paris",
    "Quito",
    "Seoul",
    "Shanghai",
    "Tokyo",
];

/// One row of the benchmark table.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The primary key, from 1.
    pub seq: u64,
    /// Nanoseconds since the Unix epoch.
    pub time_ns: i64,
    /// An indexed integer.
    pub account: i64,
    /// A float in `[0, 1)`.
    pub score: f64,
    /// A short string.
    pub city: String,
}

/// A query a table engine answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// `account = value`, through the `account` index.
    AccountEq(i64),
    /// `low <= account <= high`, through the `account` index.
    AccountRange(i64, i64),
    /// `city = city AND score >= score_min`, over unindexed fields.
    CityScore {
        /// The city.
        city: &'static str,
        /// The smallest score.
        score_min: f64,
    },
    /// `low <= _time <= high`.
    TimeRange(i64, i64),
}

impl Query {
    /// Whether `row` answers the query.
    pub fn matches(&self, row: &Row) -> bool {
        match *self {
            Self::AccountEq(value) => row.account == value,
            Self::AccountRange(low, high) => (low..=high).contains(&row.account),
            Self::CityScore { city, score_min } => row.city == city && row.score >= score_min,
            Self::TimeRange(low, high) => (low..=high).contains(&row.time_ns),
        }
    }
}

/// A table engine under test.
///
/// An adapter creates the table of [`Row`]s with the secondary indexes
/// [`TableIndexes`] names at open, and answers [`Query`]s by its own best
/// plan. Rows are inserted in
/// `_seq` order from 1: an engine that assigns `_seq` itself assigns the same
/// numbers. Thread safety: `&self` everywhere, so `Send + Sync`.
pub trait TableEngine: Send + Sync + Sized {
    /// Opens (creating if needed) the table's database in `dir`, the table
    /// with the secondary indexes `indexes`.
    fn open(dir: &Path, options: &EngineOptions, indexes: TableIndexes) -> Result<Self>;

    /// One line stating the engine's version and settings as opened.
    fn describe(options: &EngineOptions) -> String;

    /// Inserts `rows` as one commit.
    fn insert(&self, rows: &[Row]) -> Result<()>;

    /// The row with primary key `seq`, if any.
    fn get_by_seq(&self, seq: u64) -> Result<Option<Row>>;

    /// Passes every row answering `query` to `visit`, in any order.
    fn query(&self, query: &Query, visit: impl FnMut(Row)) -> Result<()>;

    /// Makes every acknowledged insert durable in the engine's main on-disk
    /// structure, fsynced.
    fn flush(&self) -> Result<()>;

    /// Waits until background work started by the load (an LSM's flushes
    /// and compactions) has finished, so that every engine's queries are
    /// measured on its loaded, settled state rather than one engine's
    /// paying for the load's compactions while another has none running.
    /// Engines without background work keep this default, which returns at
    /// once.
    fn wait_idle(&self) -> Result<()> {
        Ok(())
    }
}

/// The rows of a table of `num` rows, and the answers to its queries.
pub struct Rows {
    num: u64,
    seed: u64,
    accounts: u64,
}

impl Rows {
    /// The table of `num` rows made with `seed`.
    pub fn new(num: u64, seed: u64) -> Self {
        Self { num, seed, accounts: (num / ROWS_PER_ACCOUNT).max(1) }
    }

    /// Row `seq` (from 1).
    pub fn row(&self, seq: u64) -> Row {
        let hash = mix(seq ^ self.seed.rotate_left(32));
        Row {
            seq,
            time_ns: time_of(seq),
            account: (hash % self.accounts) as i64,
            score: (hash >> 11) as f64 / (1u64 << 53) as f64,
            city: CITIES[(hash >> 59) as usize % CITIES.len()].to_string(),
        }
    }

    /// How many rows answer `query`, by brute force over every row.
    pub fn count(&self, query: &Query) -> u64 {
        (1..=self.num).filter(|&seq| query.matches(&self.row(seq))).count() as u64
    }
}

/// The number of rows answering any query of the workloads, from one pass
/// over the rows: brute force per query would cost more than the queries.
pub struct Answers {
    num: u64,
    rows_per_account: Vec<u64>,
    /// Per city, rows with a score of at least [`FILTER_SCORE_MIN`].
    high_scores_per_city: [u64; CITIES.len()],
}

impl Answers {
    /// Counts the rows of `rows`.
    pub fn new(rows: &Rows) -> Self {
        let mut rows_per_account = vec![0; rows.accounts as usize];
        let mut high_scores_per_city = [0; CITIES.len()];
        for seq in 1..=rows.num {
            let row = rows.row(seq);
            rows_per_account[row.account as usize] += 1;
            if row.score >= FILTER_SCORE_MIN {
                let city = CITIES.iter().position(|&c| c == row.city).unwrap_or(0);
                high_scores_per_city[city] += 1;
            }
        }
        Self { num: rows.num, rows_per_account, high_scores_per_city }
    }

    /// How many rows answer `query`.
    pub fn count(&self, query: &Query) -> u64 {
        let accounts = |low: i64, high: i64| -> u64 {
            let len = self.rows_per_account.len() as i64;
            let (low, high) = (low.clamp(0, len), (high + 1).clamp(0, len));
            self.rows_per_account[low as usize..high as usize].iter().sum()
        };
        match *query {
            Query::AccountEq(value) => accounts(value, value),
            Query::AccountRange(low, high) => accounts(low, high),
            Query::CityScore { city, score_min } => {
                assert_eq!(score_min, FILTER_SCORE_MIN, "answers are counted for one score");
                let city = CITIES.iter().position(|&c| c == city).unwrap_or(0);
                self.high_scores_per_city[city]
            }
            Query::TimeRange(low, high) => {
                // Rounded up and down to whole steps: the rows inside.
                let first =
                    (low - TIME_ORIGIN_NS + TIME_STEP_NS - 1).div_euclid(TIME_STEP_NS).max(1);
                let last = (high - TIME_ORIGIN_NS).div_euclid(TIME_STEP_NS).min(self.num as i64);
                (last - first + 1).max(0) as u64
            }
        }
    }
}

/// The `_time` of row `seq`.
fn time_of(seq: u64) -> i64 {
    TIME_ORIGIN_NS + seq as i64 * TIME_STEP_NS
}

/// A 64-bit mixer (splitmix64's finaliser): consecutive inputs give unrelated
/// outputs.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Runs `workload` on table engine `E` (called `engine_name`) in the empty
/// directory `dir`. Tables use the buffered durability tier.
pub fn run<E: TableEngine>(
    engine_name: &'static str,
    workload: TableWorkload,
    config: &RunConfig,
    dir: &Path,
) -> Result<Measurement> {
    let num = config.sizes.num;
    let rows = Rows::new(num, config.seed);
    let options =
        EngineOptions { cache_bytes: config.cache_bytes, durability: Durability::Buffered };
    let engine = E::open(dir, &options, workload.indexes())?;
    if !workload.writes() {
        for first in (1..=num).step_by(LOAD_BATCH_ROWS) {
            let last = (first + LOAD_BATCH_ROWS as u64 - 1).min(num);
            let batch: Vec<Row> = (first..=last).map(|seq| rows.row(seq)).collect();
            engine.insert(&batch)?;
        }
        engine.flush()?;
        engine.wait_idle()?;
    }
    let wrong = |message: String| Error::WrongAnswer {
        engine: engine_name,
        workload: workload.name(),
        message,
    };

    let mut rng = fastrand::Rng::with_seed(config.seed);
    let query_count = match workload {
        TableWorkload::IndexedEq | TableWorkload::TimeRange => (config.sizes.reads / 100).max(1),
        TableWorkload::FilteredScan => FILTERED_SCAN_QUERIES,
        TableWorkload::IndexedRange => (config.sizes.reads / 1000).max(1),
        TableWorkload::InsertRows
        | TableWorkload::InsertBatch
        | TableWorkload::InsertIndexed
        | TableWorkload::GetBySeq => 0,
    };
    let queries: Vec<Query> =
        (0..query_count).map(|_| random_query(workload, &rows, &mut rng)).collect();
    // The expected answers are counted before the clock starts.
    let expected: Vec<u64> = if queries.is_empty() {
        Vec::new()
    } else {
        let answers = Answers::new(&rows);
        queries.iter().map(|query| answers.count(query)).collect()
    };
    let probe = Probe::start();
    let (ops, latencies, elapsed, user_bytes_written) = match workload {
        TableWorkload::InsertRows => {
            let mut bytes = 0;
            let (latencies, elapsed) = timed(num, |i| {
                let row = rows.row(i + 1);
                bytes += row_bytes(&row);
                engine.insert(std::slice::from_ref(&row))
            })?;
            (num, latencies, elapsed, bytes)
        }
        TableWorkload::InsertBatch | TableWorkload::InsertIndexed => {
            let mut bytes = 0;
            let batch_rows = INSERT_BATCH_ROWS as u64;
            let (latencies, elapsed) = timed(num.div_ceil(batch_rows), |i| {
                let first = i * batch_rows + 1;
                let last = (first + batch_rows - 1).min(num);
                // Building the batch is part of the operation, as in an
                // application.
                let batch: Vec<Row> = (first..=last).map(|seq| rows.row(seq)).collect();
                bytes += batch.iter().map(row_bytes).sum::<u64>();
                engine.insert(&batch)
            })?;
            (num, latencies, elapsed, bytes)
        }
        TableWorkload::GetBySeq => {
            let count = config.sizes.reads;
            let (latencies, elapsed) = timed(count, |_| {
                let seq = rng.u64(1..=num);
                let expected = rows.row(seq);
                match engine.get_by_seq(seq)? {
                    Some(row) if row == expected => Ok(()),
                    other => Err(wrong(format!("row {seq} read as {other:?}"))),
                }
            })?;
            (count, latencies, elapsed, 0)
        }
        TableWorkload::IndexedEq
        | TableWorkload::IndexedRange
        | TableWorkload::FilteredScan
        | TableWorkload::TimeRange => {
            let count = query_count;
            let (latencies, elapsed) = timed(count, |i| {
                let query = &queries[i as usize];
                let mut found = 0;
                let mut mismatched = None;
                engine.query(query, |row| {
                    found += 1;
                    if !query.matches(&row) || row != rows.row(row.seq) {
                        mismatched.get_or_insert(row);
                    }
                })?;
                if let Some(row) = mismatched {
                    return Err(wrong(format!("{query:?} returned {row:?}")));
                }
                if found != expected[i as usize] {
                    let message =
                        format!("{query:?} returned {found} rows, not {}", expected[i as usize]);
                    return Err(wrong(message));
                }
                Ok(())
            })?;
            (count, latencies, elapsed, 0)
        }
    };
    let flush_started = Instant::now();
    if workload.writes() {
        engine.flush()?;
    }
    let flush_seconds = flush_started.elapsed().as_secs_f64();
    let reading = probe.finish();
    if workload.writes() {
        check_inserted(&engine, &rows, workload.indexes(), &mut rng).map_err(wrong)?;
    }
    drop(engine);
    let note = match workload {
        TableWorkload::IndexedEq
        | TableWorkload::IndexedRange
        | TableWorkload::FilteredScan
        | TableWorkload::TimeRange => Some("an operation is one query".to_string()),
        TableWorkload::InsertBatch | TableWorkload::InsertIndexed => Some(format!(
            "latency is per batch of {INSERT_BATCH_ROWS} rows; {}",
            workload.indexes().describe()
        )),
        TableWorkload::InsertRows | TableWorkload::GetBySeq => None,
    };
    Ok(Measurement::new(
        engine_name,
        workload.name(),
        PhaseFigures {
            ops,
            elapsed,
            latencies: Some(&latencies),
            user_bytes_written,
            flush_seconds,
            page_cache_dropped: None,
            note,
        },
        reading,
        measure::disk_bytes(dir)?,
    ))
}

/// Rows checked after an insert workload, out of the measured phase.
const CHECKED_ROWS: u64 = 100;

/// Checks, after an insert workload, that random rows and the last one read
/// back as inserted and, where the table has an `account` index, that queries
/// through it find every row: an engine that lost rows or index entries
/// fails the run instead of reporting a figure.
fn check_inserted<E: TableEngine>(
    engine: &E,
    rows: &Rows,
    indexes: TableIndexes,
    rng: &mut fastrand::Rng,
) -> std::result::Result<(), String> {
    let check_row = |seq: u64| -> std::result::Result<(), String> {
        let expected = rows.row(seq);
        match engine.get_by_seq(seq).map_err(|e| e.to_string())? {
            Some(row) if row == expected => Ok(()),
            other => Err(format!("after the inserts, row {seq} read as {other:?}")),
        }
    };
    check_row(rows.num)?;
    for _ in 0..CHECKED_ROWS {
        check_row(rng.u64(1..=rows.num))?;
    }
    if indexes == TableIndexes::None {
        return Ok(());
    }
    let answers = Answers::new(rows);
    for _ in 0..CHECKED_ROWS {
        let query = random_query(TableWorkload::IndexedEq, rows, rng);
        let mut found = 0;
        engine.query(&query, |_| found += 1).map_err(|e| e.to_string())?;
        if found != answers.count(&query) {
            return Err(format!(
                "after the inserts, {query:?} found {found} rows, not {}",
                answers.count(&query)
            ));
        }
    }
    Ok(())
}

/// A random query of the kind `workload` measures.
fn random_query(workload: TableWorkload, rows: &Rows, rng: &mut fastrand::Rng) -> Query {
    let account = rng.u64(0..rows.accounts) as i64;
    match workload {
        TableWorkload::IndexedEq => Query::AccountEq(account),
        TableWorkload::IndexedRange => Query::AccountRange(account, account + 9),
        TableWorkload::FilteredScan => Query::CityScore {
            city: CITIES[rng.usize(..CITIES.len())],
            score_min: FILTER_SCORE_MIN,
        },
        _ => {
            let span = (rows.num / 100).max(1);
            let first = rng.u64(1..=rows.num.saturating_sub(span).max(1));
            Query::TimeRange(time_of(first), time_of(first + span - 1))
        }
    }
}

/// The bytes of a row's field values, the user bytes of an insert.
fn row_bytes(row: &Row) -> u64 {
    (8 + 8 + 8 + 8 + row.city.len()) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_a_function_of_seq_and_accounts_hold_about_a_hundred_rows() {
        let rows = Rows::new(10_000, 1);
        assert_eq!(rows.row(42), rows.row(42));
        assert!(rows.row(1).time_ns < rows.row(2).time_ns);
        let mean = (0..100).map(|a| rows.count(&Query::AccountEq(a))).sum::<u64>() as f64 / 100.0;
        assert!((80.0..120.0).contains(&mean), "{mean}");
        assert!((0.0..1.0).contains(&rows.row(7).score));
    }

    #[test]
    fn answers_agree_with_brute_force() {
        let rows = Rows::new(3_000, 9);
        let answers = Answers::new(&rows);
        let mut rng = fastrand::Rng::with_seed(5);
        for workload in [
            TableWorkload::IndexedEq,
            TableWorkload::IndexedRange,
            TableWorkload::FilteredScan,
            TableWorkload::TimeRange,
        ] {
            for _ in 0..20 {
                let query = random_query(workload, &rows, &mut rng);
                assert_eq!(answers.count(&query), rows.count(&query), "{query:?}");
            }
        }
        let edge = Query::TimeRange(time_of(2_990), time_of(3_500));
        assert_eq!(answers.count(&edge), rows.count(&edge));
    }

    #[test]
    fn a_time_range_query_covers_one_percent() {
        let rows = Rows::new(10_000, 1);
        let mut rng = fastrand::Rng::with_seed(3);
        let query = random_query(TableWorkload::TimeRange, &rows, &mut rng);
        assert_eq!(rows.count(&query), 100);
    }
}
