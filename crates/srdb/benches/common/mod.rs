//! The rows of the table benches, the shape of srdb-bench's table
//! workloads: `_time` from the caller, `account` (int64), `score` (float64
//! in `[0, 1)`) and `city` (one of 16 short strings), all derived from the
//! row's position so every run inserts the same rows.

use srdb::{Row, Value};

/// The fields of a row, in the order of [`values`].
pub const COLUMNS: [&str; 4] = ["_time", "account", "score", "city"];

/// The values of `city`.
pub const CITIES: [&str; 16] = [
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

/// splitmix64's finaliser: spreads consecutive positions over the values.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The values of row `seq` in [`COLUMNS`] order, with `account` among
/// `accounts` values.
pub fn values(seq: u64, accounts: u64) -> [Value; 4] {
    let hash = mix(seq);
    [
        Value::Time(1_735_689_600_000_000_000 + seq as i64 * 1_000),
        Value::Int((hash % accounts) as i64),
        Value::Float64((hash >> 11) as f64 / (1u64 << 53) as f64),
        Value::String(CITIES[(hash >> 59) as usize % CITIES.len()].to_owned()),
    ]
}

/// Row `seq` as a [`Row`].
pub fn row(seq: u64, accounts: u64) -> Row {
    let mut row = Row::with_capacity(COLUMNS.len());
    for (name, value) in COLUMNS.iter().zip(values(seq, accounts)) {
        row.insert(name, value);
    }
    row
}
