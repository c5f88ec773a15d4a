//! File-system steps shared by the segment files and single-file logs.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::error::WalError;
use crate::format::FileHeader;

/// Makes the directory entries of `dir` durable: after a file is created,
/// renamed or deleted, its entry survives a power loss only once the directory
/// itself is fsynced.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), WalError> {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| WalError::io("fsync the directory", dir, e))
}

/// Creates `path` (failing if it exists), writes `header`, and makes both the
/// file and its directory entry durable before returning it. A crash during
/// this leaves at most a file no longer than a header, which recovery
/// recognises as torn.
pub(crate) fn create_with_header(path: &Path, header: &FileHeader) -> Result<File, WalError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| WalError::io("create", path, e))?;
    let written = file
        .write_all(&header.encode())
        .map_err(|e| WalError::io("write the header of", path, e))
        .and_then(|()| file.sync_data().map_err(|e| WalError::io("fsync", path, e)));
    if let Err(e) = written {
        // Leave no half-made file behind to be mistaken for a log; if the
        // removal fails too, recovery treats the short file as torn.
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    sync_dir(path.parent().unwrap_or(Path::new(".")))?;
    Ok(file)
}

/// Cuts `path` to `len` bytes and makes the new length durable.
pub(crate) fn truncate(path: &Path, len: u64) -> Result<(), WalError> {
    let file =
        OpenOptions::new().write(true).open(path).map_err(|e| WalError::io("open", path, e))?;
    file.set_len(len).map_err(|e| WalError::io("truncate", path, e))?;
    file.sync_all().map_err(|e| WalError::io("fsync", path, e))
}
