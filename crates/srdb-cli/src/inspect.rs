//! `srdb inspect wal|sst|manifest`: decode and print every structure of one
//! file, and check header values against the content. They only read, so
//! they are safe on a live directory (a WAL segment being written may show a
//! torn tail: the record being appended).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use serde_json::{json, Value as Json};
use srdb_key::InternalIterator;
use srdb_sst::Sst;
use srdb_wal::RecoveryMode;

use crate::common::{print_json, show_bytes, Global, Outcome};
use crate::error::CliError;

/// What to inspect.
#[derive(Subcommand, Debug)]
pub enum InspectCommand {
    /// A WAL segment: its header and every record with its batch entries
    Wal(WalArgs),
    /// An SST file: layout, summary, blocks, and a full verification
    Sst(SstArgs),
    /// The MANIFEST of a database directory: every edit and the version
    Manifest(ManifestArgs),
}

/// Arguments of `srdb inspect wal`.
#[derive(Args, Debug)]
pub struct WalArgs {
    /// The segment file (`DIR/wal/<n>.wal`)
    file: PathBuf,
    #[command(flatten)]
    global: Global,
}

/// Arguments of `srdb inspect sst`.
#[derive(Args, Debug)]
pub struct SstArgs {
    /// The SST file
    file: PathBuf,
    /// Print the first N entries
    #[arg(long, value_name = "N", default_value_t = 0)]
    keys: usize,
    /// Print every entry of data block N
    #[arg(long, value_name = "N")]
    block: Option<u32>,
    #[command(flatten)]
    global: Global,
}

/// Arguments of `srdb inspect manifest`.
#[derive(Args, Debug)]
pub struct ManifestArgs {
    /// Data directory
    dir: PathBuf,
    #[command(flatten)]
    global: Global,
}

/// Runs `srdb inspect`.
pub fn run(command: InspectCommand) -> Result<Outcome, CliError> {
    match command {
        InspectCommand::Wal(args) => wal(args),
        InspectCommand::Sst(args) => sst(args),
        InspectCommand::Manifest(args) => manifest(args),
    }
}

fn entry_json(key: &[u8], value: &[u8], is_delete: bool) -> Json {
    json!({"key": show_bytes(key), "delete": is_delete, "value_bytes": value.len(), "value": show_bytes(&value[..value.len().min(64)])})
}

fn wal(args: WalArgs) -> Result<Outcome, CliError> {
    let path = &args.file;
    let header = srdb_wal::read_file_header(path, srdb_wal::WAL_MAGIC)
        .map_err(|e| CliError::Inspect(e.to_string()))?;
    let file_segment =
        path.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse::<u64>().ok());
    let mut problems = Vec::new();
    if file_segment.is_some_and(|n| n != header.segment) {
        problems.push(format!(
            "the file name says segment {:?}, the header {}",
            file_segment, header.segment
        ));
    }
    let mut records = Vec::new();
    let mut expected_lsn = header.first_lsn;
    let report = srdb_wal::read_segment(path, RecoveryMode::SkipCorrupt, |r| {
        if r.lsn != expected_lsn {
            problems.push(format!(
                "record at offset {} has LSN {}, expected {expected_lsn}",
                r.offset, r.lsn
            ));
        }
        expected_lsn = r.lsn + 1;
        let entries = srdb_engine::decode_wal_batch(r.payload);
        records.push((r.offset, r.lsn, r.payload.len(), entries));
        Ok(())
    })
    .map_err(|e| CliError::Inspect(e.to_string()))?;
    for s in &report.skipped {
        problems.push(format!(
            "{} damaged bytes at offset {}: {} ({} records lost)",
            s.bytes, s.offset, s.reason, s.records
        ));
    }
    if let Some(t) = &report.torn_tail {
        problems.push(format!(
            "torn tail: {} bytes from offset {} are an incomplete record",
            t.bytes, t.offset
        ));
    }
    if args.global.json {
        print_json(&json!({
            "file": path,
            "header": {"segment": header.segment, "first_lsn": header.first_lsn, "prev_lsn": header.prev_lsn, "salt": header.salt},
            "records": records.iter().map(|(offset, lsn, len, entries)| json!({
                "offset": offset, "lsn": lsn, "payload_bytes": len,
                "entries": match entries {
                    Ok(es) => Json::Array(es.iter().map(|e| {
                        let mut j = entry_json(&e.key, &e.value, e.is_delete);
                        j["keyspace"] = json!(e.keyspace);
                        j
                    }).collect()),
                    Err(reason) => json!({"error": reason}),
                },
            })).collect::<Vec<_>>(),
            "problems": problems,
        }));
    } else {
        println!("WAL segment {}", path.display());
        println!(
            "header: segment {} first_lsn {} prev_lsn {} salt {:#018x}",
            header.segment, header.first_lsn, header.prev_lsn, header.salt
        );
        for (offset, lsn, len, entries) in &records {
            println!("record @{offset} lsn {lsn} {len} bytes");
            match entries {
                Ok(es) => {
                    for e in es {
                        let op = if e.is_delete { "del" } else { "put" };
                        println!(
                            "  {op} keyspace {} key {} value {} bytes",
                            e.keyspace,
                            show_bytes(&e.key),
                            e.value.len()
                        );
                    }
                }
                Err(reason) => println!("  not a write batch: {reason}"),
            }
        }
        println!(
            "{} records, LSN {}..={}",
            records.len(),
            header.first_lsn,
            expected_lsn.saturating_sub(1)
        );
        print_problems(&problems);
    }
    Ok(if problems.is_empty() { Outcome::Clean } else { Outcome::Problems })
}

fn print_problems(problems: &[String]) {
    if problems.is_empty() {
        println!("header and content agree; no problems found");
    }
    for p in problems {
        println!("problem: {p}");
    }
}

fn file_number(path: &Path) -> u64 {
    path.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn sst(args: SstArgs) -> Result<Outcome, CliError> {
    let path = &args.file;
    let sst: Arc<Sst> =
        Sst::open(path, file_number(path), None).map_err(|e| CliError::Inspect(e.to_string()))?;
    let layout = sst.layout();
    let summary = sst.summary().clone();
    let owner = srdb_engine::sst_owner(&summary.properties);
    let blocks = sst.data_blocks().map_err(|e| CliError::Inspect(e.to_string()))?;
    // verify() checks the summary (entries, key and seqno ranges) and the
    // footer's block count against the content.
    let verified = sst.verify();
    let mut problems = Vec::new();
    if let Err(e) = &verified {
        problems.push(e.to_string());
    }
    let actual_len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if summary.size_bytes != actual_len {
        problems.push(format!(
            "the summary says {} bytes, the file has {actual_len}",
            summary.size_bytes
        ));
    }
    let mut first = Vec::new();
    if args.keys > 0 {
        let mut it = sst.iter_no_fill();
        it.seek_to_first().map_err(|e| CliError::Inspect(e.to_string()))?;
        while it.valid() && first.len() < args.keys {
            first.push((it.key().to_vec(), it.value().to_vec()));
            it.next().map_err(|e| CliError::Inspect(e.to_string()))?;
        }
    }
    let block = match args.block {
        Some(n) => {
            Some(sst.block_entries(n).map_err(|e| CliError::Inspect(e.to_string()))?.ok_or_else(
                || {
                    CliError::Usage(format!(
                        "the file has {} data blocks; there is no block {n}",
                        blocks.len()
                    ))
                },
            )?)
        }
        None => None,
    };
    let ikey = |k: &[u8]| -> Json {
        match srdb_key::parse(k) {
            Ok(p) => {
                json!({"user_key": show_bytes(p.user_key), "seqno": p.seqno, "delete": p.kind == srdb_key::Kind::Delete})
            }
            Err(e) => json!({"invalid": e.to_string()}),
        }
    };
    let entries_json = |entries: &[(Vec<u8>, Vec<u8>)]| -> Vec<Json> {
        entries
            .iter()
            .map(|(k, v)| {
                let mut j = ikey(k);
                j["value_bytes"] = json!(v.len());
                j["value"] = json!(show_bytes(&v[..v.len().min(64)]));
                j
            })
            .collect()
    };
    if args.global.json {
        print_json(&json!({
            "file": path,
            "layout": {
                "format_version": layout.format_version, "data_blocks": layout.data_blocks,
                "index_offset": layout.index_offset, "index_bytes": layout.index_bytes,
                "index_height": layout.index_height, "index_entries": layout.index_entries,
                "bloom_offset": layout.bloom_offset, "bloom_bytes": layout.bloom_bytes,
                "summary_offset": layout.summary_offset, "summary_bytes": layout.summary_bytes,
                "compression": format!("{:?}", sst.compression()),
            },
            "summary": {
                "size_bytes": summary.size_bytes, "entries": summary.entries,
                "smallest": ikey(&summary.smallest), "largest": ikey(&summary.largest),
                "min_seqno": summary.min_seqno, "max_seqno": summary.max_seqno,
                "time_range": summary.time_range,
                "keyspace": owner.as_ref().map(|(id, name)| json!({"id": id, "name": name})).unwrap_or_else(|e| json!({"error": e})),
            },
            "blocks": blocks.iter().map(|b| json!({
                "ordinal": b.ordinal, "offset": b.offset, "bytes": b.bytes, "separator": ikey(&b.separator),
            })).collect::<Vec<_>>(),
            "verified": verified.as_ref().ok().map(|v| json!({"data_blocks": v.data_blocks, "entries": v.entries, "user_keys": v.user_keys})),
            "keys": entries_json(&first),
            "block": block.as_deref().map(entries_json),
            "problems": problems,
        }));
    } else {
        let show_ikey = |k: &[u8]| match srdb_key::parse(k) {
            Ok(p) => format!(
                "{} @{}{}",
                show_bytes(p.user_key),
                p.seqno,
                if p.kind == srdb_key::Kind::Delete { " (delete)" } else { "" }
            ),
            Err(e) => format!("invalid key: {e}"),
        };
        println!(
            "SST file {} ({} bytes, format {})",
            path.display(),
            actual_len,
            layout.format_version
        );
        match &owner {
            Ok((id, name)) => println!("keyspace: {name} (#{id})"),
            Err(e) => println!("keyspace: unknown ({e})"),
        }
        println!(
            "summary: {} entries, keys {} .. {}, seqno {}..={}{}",
            summary.entries,
            show_ikey(&summary.smallest),
            show_ikey(&summary.largest),
            summary.min_seqno,
            summary.max_seqno,
            summary.time_range.map_or(String::new(), |(a, b)| format!(", _time {a}..={b}"))
        );
        println!(
            "layout: {} data blocks ({:?}), index @{} {} bytes height {} ({} entries), bloom @{} {} bytes, summary @{} {} bytes",
            layout.data_blocks,
            sst.compression(),
            layout.index_offset,
            layout.index_bytes,
            layout.index_height,
            layout.index_entries,
            layout.bloom_offset,
            layout.bloom_bytes,
            layout.summary_offset,
            layout.summary_bytes
        );
        for b in &blocks {
            println!(
                "block {} @{} {} bytes, last key <= {}",
                b.ordinal,
                b.offset,
                b.bytes,
                show_ikey(&b.separator)
            );
        }
        if let Ok(v) = &verified {
            println!(
                "verified: {} blocks, {} entries, {} user keys",
                v.data_blocks, v.entries, v.user_keys
            );
        }
        for (k, v) in &first {
            println!("entry {} = {} bytes", show_ikey(k), v.len());
        }
        if let (Some(n), Some(entries)) = (args.block, &block) {
            println!("block {n}: {} entries", entries.len());
            for (k, v) in entries {
                println!("  {} = {}", show_ikey(k), show_bytes(&v[..v.len().min(64)]));
            }
        }
        print_problems(&problems);
    }
    Ok(if problems.is_empty() { Outcome::Clean } else { Outcome::Problems })
}

fn manifest(args: ManifestArgs) -> Result<Outcome, CliError> {
    let (version, edits, report) =
        srdb_manifest::read_manifest(&args.dir).map_err(|e| CliError::Inspect(e.to_string()))?;
    let mut problems = Vec::new();
    if let Some(t) = &report.torn_tail {
        problems.push(format!(
            "torn tail: {} bytes from offset {} are an incomplete record",
            t.bytes, t.offset
        ));
    }
    for (_, level, f) in version.files() {
        let path = args.dir.join(srdb_manifest::sst_file_name(f.number));
        match std::fs::metadata(&path) {
            Ok(m) if m.len() != f.size_bytes => problems.push(format!(
                "{} is {} bytes, the MANIFEST says {} (level {level})",
                path.display(),
                m.len(),
                f.size_bytes
            )),
            Ok(_) => {}
            Err(_) => {
                problems.push(format!("{} is named (level {level}) but missing", path.display()))
            }
        }
    }
    let file_json = |f: &srdb_manifest::FileMeta| {
        json!({
            "number": f.number, "size_bytes": f.size_bytes, "entries": f.entries,
            "smallest": show_bytes(f.smallest.user_key()), "largest": show_bytes(f.largest.user_key()),
            "min_seqno": f.min_seqno, "max_seqno": f.max_seqno, "time_range": f.time_range,
        })
    };
    if args.global.json {
        print_json(&json!({
            "manifest": report.manifest,
            "edits": edits.iter().map(|e| json!({
                "created_keyspaces": e.created_keyspaces.iter().map(|k| json!({"id": k.id, "name": k.name})).collect::<Vec<_>>(),
                "dropped_keyspaces": e.dropped_keyspaces,
                "added_files": e.added_files.iter().map(|a| { let mut j = file_json(&a.meta); j["keyspace"] = json!(a.keyspace); j["level"] = json!(a.level); j }).collect::<Vec<_>>(),
                "deleted_files": e.deleted_files.iter().map(|d| json!({"keyspace": d.keyspace, "level": d.level, "number": d.number})).collect::<Vec<_>>(),
                "next_file_number": e.next_file_number, "last_seqno": e.last_seqno, "log_number": e.log_number,
            })).collect::<Vec<_>>(),
            "version": {
                "next_file_number": version.next_file_number, "last_seqno": version.last_seqno, "log_number": version.log_number,
                "keyspaces": version.keyspaces().map(|k| json!({
                    "id": k.id, "name": k.name,
                    "levels": k.levels.iter().map(|l| l.iter().map(|f| file_json(f)).collect::<Vec<_>>()).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            },
            "problems": problems,
        }));
    } else {
        println!(
            "{} ({} edits, {} valid bytes)",
            report.manifest.display(),
            report.edits,
            report.valid_bytes
        );
        for (i, e) in edits.iter().enumerate() {
            let mut parts = Vec::new();
            for k in &e.created_keyspaces {
                parts.push(format!("create keyspace {} #{}", k.name, k.id));
            }
            for k in &e.dropped_keyspaces {
                parts.push(format!("drop keyspace #{k}"));
            }
            for a in &e.added_files {
                parts.push(format!(
                    "add #{} L{} file {} ({} bytes, {} entries)",
                    a.keyspace, a.level, a.meta.number, a.meta.size_bytes, a.meta.entries
                ));
            }
            for d in &e.deleted_files {
                parts.push(format!("delete #{} L{} file {}", d.keyspace, d.level, d.number));
            }
            if let Some(n) = e.next_file_number {
                parts.push(format!("next file {n}"));
            }
            if let Some(n) = e.last_seqno {
                parts.push(format!("last seqno {n}"));
            }
            if let Some(n) = e.log_number {
                parts.push(format!("log {n}"));
            }
            println!("edit {i}: {}", parts.join("; "));
        }
        println!(
            "version: next file {}, last seqno {}, log {}",
            version.next_file_number, version.last_seqno, version.log_number
        );
        for k in version.keyspaces() {
            println!("keyspace {} #{}", k.name, k.id);
            for (level, files) in k.levels.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
                let numbers: Vec<String> = files.iter().map(|f| f.number.to_string()).collect();
                println!("  L{level}: {}", numbers.join(" "));
            }
        }
        print_problems(&problems);
    }
    Ok(if problems.is_empty() { Outcome::Clean } else { Outcome::Problems })
}
