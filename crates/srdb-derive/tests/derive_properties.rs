//! Any value of a derived struct's scalar members goes into a table and comes
//! back bit for bit: random integers over their whole range, floats of every
//! class (NaN payloads and signed zeros included), any `char`, strings and
//! bytes, decimals of every scale, durations and times over the `i64`
//! nanoseconds, and NULLs.

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use srdb::{as_nanos::Nanos, Database, Decimal, Schema, Table, TableSchema};

#[derive(Schema, Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Scalars {
    i8: i8,
    i16: i16,
    i32: i32,
    i64: i64,
    u8: u8,
    u16: u16,
    u32: u32,
    u64: u64,
    usize: usize,
    f32: f32,
    f64: f64,
    rune: char,
    text: String,
    bytes: Vec<u8>,
    decimal: Decimal,
    #[serde(with = "srdb::as_nanos")]
    duration: Duration,
    #[serde(with = "srdb::as_nanos")]
    time: SystemTime,
    maybe_i64: Option<i64>,
    maybe_f64: Option<f64>,
    maybe_text: Option<String>,
}

impl Scalars {
    /// The value with its floats replaced by their bits, so that `==` sees
    /// NaN payloads and the sign of zero.
    fn exact(&self) -> (Scalars, u32, u64, Option<u64>) {
        let bits = (self.f32.to_bits(), self.f64.to_bits(), self.maybe_f64.map(f64::to_bits));
        let plain =
            Scalars { f32: 0.0, f64: 0.0, maybe_f64: self.maybe_f64.map(|_| 0.0), ..self.clone() };
        (plain, bits.0, bits.1, bits.2)
    }
}

fn decimal() -> impl Strategy<Value = Decimal> {
    const MANTISSA_MAX: i128 = (1 << 96) - 1;
    (-MANTISSA_MAX..=MANTISSA_MAX, 0u32..=28)
        .prop_map(|(mantissa, scale)| Decimal::from_i128_with_scale(mantissa, scale))
}

fn scalars() -> impl Strategy<Value = Scalars> {
    let integers = (
        any::<i8>(),
        any::<i16>(),
        any::<i32>(),
        any::<i64>(),
        any::<u8>(),
        any::<u16>(),
        any::<u32>(),
        any::<u64>(),
        any::<usize>(),
    );
    let others = (
        any::<u32>().prop_map(f32::from_bits),
        any::<u64>().prop_map(f64::from_bits),
        any::<char>(),
        any::<String>(),
        proptest::collection::vec(any::<u8>(), 0..64),
        decimal(),
        (0..=i64::MAX).prop_map(|ns| Duration::from_nanos(ns as u64)),
        any::<i64>().prop_map(|ns| SystemTime::from_nanos(Some(ns)).unwrap()),
    );
    let nullable = (
        any::<Option<i64>>(),
        any::<Option<u64>>().prop_map(|bits| bits.map(f64::from_bits)),
        any::<Option<String>>(),
    );
    (integers, others, nullable).prop_map(|(i, o, n)| Scalars {
        i8: i.0,
        i16: i.1,
        i32: i.2,
        i64: i.3,
        u8: i.4,
        u16: i.5,
        u32: i.6,
        u64: i.7,
        usize: i.8,
        f32: o.0,
        f64: o.1,
        rune: o.2,
        text: o.3,
        bytes: o.4,
        decimal: o.5,
        duration: o.6,
        time: o.7,
        maybe_i64: n.0,
        maybe_f64: n.1,
        maybe_text: n.2,
    })
}

fn open() -> (tempfile::TempDir, Table) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let table = db.create_table("scalars", Scalars::schema().unwrap()).unwrap();
    (dir, table)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn any_value_reads_back_bit_for_bit(values in proptest::collection::vec(scalars(), 1..8)) {
        let (_dir, table) = open();
        let seqs = table.insert_structs(&values).unwrap();
        for (seq, value) in seqs.zip(&values) {
            let back = table.get_as::<Scalars>(seq).unwrap().unwrap();
            prop_assert_eq!(back.exact(), value.exact());
            prop_assert_eq!(back.decimal.scale(), value.decimal.scale());
        }
    }
}
