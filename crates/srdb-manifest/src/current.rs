//! The `CURRENT` file: which MANIFEST file is live.
//!
//! ```text
//! SRDB-CURRENT 1\n
//! MANIFEST-000007\n
//! crc32 89abcdef\n
//! ```
//!
//! Line 1 is the magic and the format version, line 2 the name of the live
//! MANIFEST file, line 3 the CRC32 of lines 1 and 2 (their bytes including
//! both newlines) in 8 lowercase hex digits. The file is replaced only by
//! writing `CURRENT.tmp`, fsyncing it, renaming it over `CURRENT` and
//! fsyncing the directory, so a crash leaves either the old or the new
//! contents.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::ManifestError;
use crate::limits::MAX_CURRENT_BYTES;

/// Name of the file that names the live MANIFEST.
pub const CURRENT_FILE: &str = "CURRENT";

const CURRENT_TMP_FILE: &str = "CURRENT.tmp";
const MAGIC_LINE: &str = "SRDB-CURRENT 1";
const MANIFEST_PREFIX: &str = "MANIFEST-";

/// The file name of MANIFEST number `number` (`MANIFEST-000007`).
pub fn manifest_file_name(number: u64) -> String {
    format!("{MANIFEST_PREFIX}{number:06}")
}

/// The number in a MANIFEST file name, if `name` is one.
pub(crate) fn parse_manifest_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(MANIFEST_PREFIX)?;
    if digits.len() < 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = digits.parse().ok()?;
    (manifest_file_name(number) == name).then_some(number)
}

fn contents(number: u64) -> String {
    let body = format!("{MAGIC_LINE}\n{}\n", manifest_file_name(number));
    format!("{body}crc32 {:08x}\n", crc32fast::hash(body.as_bytes()))
}

/// Reads `CURRENT` in `dir`, returning the number of the live MANIFEST.
pub(crate) fn read_current(dir: &Path) -> Result<u64, ManifestError> {
    let path = dir.join(CURRENT_FILE);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ManifestError::NoDatabase { dir: dir.into() })
        }
        Err(e) => return Err(ManifestError::io("open", path, e)),
    };
    let mut bytes = Vec::new();
    file.take(MAX_CURRENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ManifestError::io("read", &path, e))?;
    parse(&bytes).ok_or_else(|| {
        ManifestError::corruption(
            &path,
            0,
            format!("it does not hold a checksummed MANIFEST name in the form {:?}", contents(1)),
        )
    })
}

fn parse(bytes: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text.split_inclusive('\n');
    let (magic, name, crc) = (lines.next()?, lines.next()?, lines.next()?);
    if lines.next().is_some() || magic != format!("{MAGIC_LINE}\n") {
        return None;
    }
    let number = parse_manifest_file_name(name.strip_suffix('\n')?)?;
    (contents(number) == text && crc.starts_with("crc32 ")).then_some(number)
}

/// Makes `CURRENT` in `dir` name MANIFEST `number`, atomically and durably.
pub(crate) fn write_current(dir: &Path, number: u64) -> Result<(), ManifestError> {
    let tmp = dir.join(CURRENT_TMP_FILE);
    let path = dir.join(CURRENT_FILE);
    let mut file = File::create(&tmp).map_err(|e| ManifestError::io("create", &tmp, e))?;
    file.write_all(contents(number).as_bytes()).map_err(|e| ManifestError::io("write", &tmp, e))?;
    file.sync_all().map_err(|e| ManifestError::io("fsync", &tmp, e))?;
    drop(file);
    fs::rename(&tmp, &path).map_err(|e| ManifestError::io("rename CURRENT.tmp to", &path, e))?;
    sync_dir(dir)
}

/// Makes the directory entries of `dir` durable (after a create, rename or
/// delete).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), ManifestError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| ManifestError::io("fsync the directory", dir, e))
}

/// Removes `path` if it exists.
pub(crate) fn remove_if_present(path: &PathBuf) -> Result<(), ManifestError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(ManifestError::io("remove", path, e))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_round_trips_and_rejects_damage() {
        let dir = tempfile::tempdir().unwrap();
        write_current(dir.path(), 42).unwrap();
        assert_eq!(read_current(dir.path()).unwrap(), 42);
        let text = fs::read_to_string(dir.path().join(CURRENT_FILE)).unwrap();
        assert!(text.starts_with("SRDB-CURRENT 1\nMANIFEST-000042\ncrc32 "), "{text}");
        for at in 0..text.len() {
            let mut damaged = text.clone().into_bytes();
            damaged[at] ^= 0x01;
            assert_eq!(parse(&damaged), None, "flip at byte {at}");
        }
        assert_eq!(parse(&text.as_bytes()[..text.len() - 1]), None);
        fs::write(dir.path().join(CURRENT_FILE), vec![b'x'; 10_000]).unwrap();
        let err = read_current(dir.path()).unwrap_err();
        assert!(err.is_corruption() && err.to_string().contains("CURRENT"), "{err}");
    }

    #[test]
    fn manifest_names_parse_only_in_canonical_form() {
        assert_eq!(parse_manifest_file_name("MANIFEST-000007"), Some(7));
        assert_eq!(parse_manifest_file_name("MANIFEST-1234567"), Some(1_234_567));
        for bad in ["MANIFEST-7", "MANIFEST-0000007", "MANIFEST-00000x", "CURRENT", "MANIFEST-"] {
            assert_eq!(parse_manifest_file_name(bad), None, "{bad}");
        }
    }
}
