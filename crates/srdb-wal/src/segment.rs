//! Segment files of a WAL directory: naming and listing.
//!
//! A segment is named by its number, zero-padded to 20 digits (enough for any
//! `u64`) so that names sort like numbers: `00000000000000000007.wal`. Files
//! whose names do not have this form are not segments and are left alone.
//! Segment numbers start at 1; 0 is the segment number of single-file logs.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::WalError;

const SUFFIX: &str = ".wal";
const DIGITS: usize = 20;

/// The file name of segment `number`.
pub(crate) fn file_name(number: u64) -> String {
    format!("{number:0DIGITS$}{SUFFIX}")
}

/// The segment number a file name names, if it names one.
pub(crate) fn parse_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SUFFIX)?;
    if digits.len() != DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Every segment file in `dir`, in ascending order of number.
pub(crate) fn list(dir: &Path) -> Result<Vec<(u64, PathBuf)>, WalError> {
    let read_err = |e| WalError::io("list the directory", dir, e);
    let mut segments = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        if let Some(number) = entry.file_name().to_str().and_then(parse_file_name) {
            segments.push((number, entry.path()));
        }
    }
    segments.sort_unstable_by_key(|(number, _)| *number);
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sort_like_numbers() {
        for n in [0, 1, 9, 10, 12345, u64::MAX] {
            assert_eq!(parse_file_name(&file_name(n)), Some(n));
        }
        assert!(file_name(9) < file_name(10));
        assert_eq!(file_name(7), "00000000000000000007.wal");
    }

    #[test]
    fn other_names_are_not_segments() {
        for name in [
            "7.wal",
            "0000000000000000007.wal",
            "00000000000000000007.wa",
            "0000000000000000000x.wal",
            "99999999999999999999.wal",
            "LOCK",
        ] {
            assert_eq!(parse_file_name(name), None, "{name}");
        }
    }
}
