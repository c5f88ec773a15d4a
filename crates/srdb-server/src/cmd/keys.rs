//! Generic key commands: DEL, EXISTS, TYPE, expiry, SCAN, KEYS, RANDOMKEY,
//! DBSIZE, FLUSHDB.

use std::hash::{BuildHasher, Hasher};
use std::ops::Bound;

use srdb::{KvWrite, Ttl};

use super::{int_arg, is, CmdResult, Ctx, ErrReply};
use crate::glob;
use crate::resp::Args;

/// The expiry instant (ms since the epoch) that `amount` in `unit` (EX, PX,
/// EXAT, PXAT) names at `now_ms`; `None` if it does not fit an i64, which
/// Redis reports as an invalid expire time. Can be in the past.
pub(crate) fn expire_at_ms(unit: &str, amount: i64, now_ms: u64) -> Option<i64> {
    let (amount, now) = (i128::from(amount), i128::from(now_ms));
    let at = match unit {
        "EX" => amount * 1000 + now,
        "PX" => amount + now,
        "EXAT" => amount * 1000,
        "PXAT" => amount,
        _ => unreachable!("expiry units are checked by the caller"),
    };
    i64::try_from(at).ok()
}

pub(super) fn del(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let mut keys: Vec<&[u8]> = args.iter_from(1).collect();
    keys.sort_unstable();
    keys.dedup();
    let removed = ctx.srv.kv.update_many(&keys, |old| {
        let removed = old.iter().filter(|e| e.is_some()).count();
        let writes = old
            .into_iter()
            .map(|e| if e.is_some() { KvWrite::Delete } else { KvWrite::Keep })
            .collect();
        (writes, removed)
    })?;
    ctx.out.int(removed as i64);
    Ok(())
}

pub(super) fn exists(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let snapshot = ctx.srv.kv.snapshot();
    let mut count = 0;
    for key in args.iter_from(1) {
        count += i64::from(snapshot.get(key)?.is_some());
    }
    ctx.out.int(count);
    Ok(())
}

pub(super) fn type_(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let exists = ctx.srv.kv.contains(args.get(1))?;
    ctx.out.simple(if exists { "string" } else { "none" });
    Ok(())
}

pub(super) fn expire(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    set_expiry(ctx, args, "EX", "expire")
}

pub(super) fn pexpire(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    set_expiry(ctx, args, "PX", "pexpire")
}

pub(super) fn expireat(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    set_expiry(ctx, args, "EXAT", "expireat")
}

pub(super) fn pexpireat(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    set_expiry(ctx, args, "PXAT", "pexpireat")
}

/// EXPIRE and its relatives, with the NX / XX / GT / LT conditions of
/// Redis 7 (a key without expiry counts as expiring never, so GT never
/// applies to it and LT always does).
fn set_expiry(ctx: &mut Ctx<'_>, args: Args<'_>, unit: &str, name: &str) -> CmdResult {
    let amount = int_arg(args.get(2))?;
    let now = srdb::now_ms();
    let invalid = || ErrReply(format!("ERR invalid expire time in '{name}' command").into());
    let at = expire_at_ms(unit, amount, now).ok_or_else(invalid)?;
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in args.iter_from(3) {
        if is(opt, "NX") {
            nx = true;
        } else if is(opt, "XX") {
            xx = true;
        } else if is(opt, "GT") {
            gt = true;
        } else if is(opt, "LT") {
            lt = true;
        } else {
            return Err(ErrReply(format!("ERR Unsupported option {}", super::shown(opt)).into()));
        }
    }
    if nx && (xx || gt || lt) {
        return Err(ErrReply::msg(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if gt && lt {
        return Err(ErrReply::msg("ERR GT and LT options at the same time are not compatible"));
    }
    let changed = ctx.srv.kv.update(args.get(1), |old| {
        let Some(entry) = old else { return (KvWrite::Keep, false) };
        let current = entry.expire_at_ms.map(|c| c as i64);
        let allowed = (!nx || current.is_none())
            && (!xx || current.is_some())
            && (!gt || current.is_some_and(|c| at > c))
            && (!lt || current.is_none_or(|c| at < c));
        if !allowed {
            (KvWrite::Keep, false)
        } else if at <= now as i64 {
            (KvWrite::Delete, true)
        } else {
            (KvWrite::Put { value: entry.value, expire_at_ms: Some(at as u64) }, true)
        }
    })?;
    ctx.out.int(i64::from(changed));
    Ok(())
}

pub(super) fn ttl(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_ttl(ctx, args, 1000)
}

pub(super) fn pttl(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    reply_ttl(ctx, args, 1)
}

/// -2 for a missing key, -1 for one without expiry, else the time left in
/// units of `unit_ms`, rounded to the nearest as Redis does.
fn reply_ttl(ctx: &mut Ctx<'_>, args: Args<'_>, unit_ms: u64) -> CmdResult {
    let ttl = ctx.srv.kv.ttl(args.get(1))?;
    let reply = match ttl {
        Ttl::Missing => -2,
        Ttl::Persistent => -1,
        Ttl::ExpiresAt(at) => {
            let left = at.saturating_sub(srdb::now_ms());
            ((left + unit_ms / 2) / unit_ms) as i64
        }
    };
    ctx.out.int(reply);
    Ok(())
}

pub(super) fn persist(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let changed = ctx.srv.kv.persist(args.get(1))?;
    ctx.out.int(i64::from(changed));
    Ok(())
}

pub(super) fn dbsize(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let stats = ctx.srv.kv.key_stats()?;
    ctx.out.int(stats.keys as i64);
    Ok(())
}

pub(super) fn flushall(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    match args.len() {
        1 => {}
        2 if is(args.get(1), "ASYNC") || is(args.get(1), "SYNC") => {}
        _ => return Err(ErrReply::SYNTAX),
    }
    ctx.srv.kv.clear()?;
    ctx.srv.cursors().clear();
    ctx.out.ok();
    Ok(())
}

/// The lower bound of a scan that resumes after `after` and only wants keys
/// starting with `prefix`.
fn scan_start(after: Option<Vec<u8>>, prefix: &[u8]) -> Bound<Vec<u8>> {
    match after {
        Some(last) if last.as_slice() >= prefix => Bound::Excluded(last),
        _ => Bound::Included(prefix.to_vec()),
    }
}

pub(super) fn scan(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let invalid_cursor = || ErrReply::msg("ERR invalid cursor");
    let cursor: u64 = std::str::from_utf8(args.get(1))
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(invalid_cursor)?;
    let (mut pattern, mut count, mut strings_only) = (&b"*"[..], 10usize, true);
    let mut i = 2;
    while i < args.len() {
        let (opt, value) = (args.get(i), args.iter_from(i + 1).next());
        match value {
            Some(p) if is(opt, "MATCH") => pattern = p,
            Some(n) if is(opt, "COUNT") => {
                count = usize::try_from(int_arg(n)?).map_err(|_| ErrReply::SYNTAX)?;
                if count == 0 {
                    return Err(ErrReply::SYNTAX);
                }
            }
            Some(t) if is(opt, "TYPE") => strings_only = is(t, "string"),
            _ => return Err(ErrReply::SYNTAX),
        }
        i += 2;
    }
    if !strings_only {
        // Every key is a string: no key of another type exists.
        ctx.out.array(2);
        ctx.out.bulk(b"0");
        ctx.out.array(0);
        return Ok(());
    }
    let after = match cursor {
        0 => None,
        id => Some(ctx.srv.cursors().get(id).cloned().ok_or_else(invalid_cursor)?),
    };
    let prefix = glob::literal_prefix(pattern);
    let mut it = ctx.srv.kv.range((scan_start(after, prefix), Bound::<Vec<u8>>::Unbounded));
    let mut found = Vec::new();
    let mut last = None;
    for _ in 0..count {
        match it.next_key()? {
            Some(key) if key.starts_with(prefix) => {
                if glob::matches(pattern, &key) {
                    found.push(key.clone());
                }
                last = Some(key);
            }
            _ => {
                last = None;
                break;
            }
        }
    }
    // A full page may have been the last one; the next call finds out.
    let next = match last {
        Some(key) => ctx.srv.cursors().insert(key),
        None => 0,
    };
    ctx.out.array(2);
    ctx.out.bulk(next.to_string().as_bytes());
    ctx.out.array(found.len());
    found.iter().for_each(|k| ctx.out.bulk(k));
    Ok(())
}

pub(super) fn keys(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let pattern = args.get(1);
    let mut it = ctx.srv.kv.prefix(glob::literal_prefix(pattern));
    let (mut found, mut bytes) = (Vec::new(), 0usize);
    while let Some(key) = it.next_key()? {
        if glob::matches(pattern, &key) {
            bytes += key.len() + 16;
            if bytes > ctx.srv.config.max_reply_bytes {
                return Err(ErrReply(
                    format!(
                        "ERR the reply to 'keys' exceeds the output buffer limit of {} bytes; \
                         use SCAN",
                        ctx.srv.config.max_reply_bytes
                    )
                    .into(),
                ));
            }
            found.push(key);
        }
    }
    ctx.out.array(found.len());
    found.iter().for_each(|k| ctx.out.bulk(k));
    Ok(())
}

/// A random key: a random point between the first and the last key, and
/// the first key at or after it. Keys after large gaps are likelier than
/// others (the store keeps no count to pick uniformly).
pub(super) fn randomkey(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let kv = &ctx.srv.kv;
    let Some(first) = kv.iter().next_key()? else {
        ctx.out.null();
        return Ok(());
    };
    let last = match kv.iter().next_back() {
        Some(entry) => entry?.0,
        None => first.clone(),
    };
    let common = first.iter().zip(&last).take_while(|(a, b)| a == b).count();
    let mut target = first[..common].to_vec();
    let random = random_u64().to_be_bytes();
    let lo = first.get(common).copied().unwrap_or(0);
    let hi = last.get(common).copied().unwrap_or(u8::MAX);
    if lo <= hi {
        target.push(lo + (u64::from(random[0]) % (u64::from(hi - lo) + 1)) as u8);
    }
    target.extend_from_slice(&random[1..]);
    let key = match kv.range(target..).next_key()? {
        Some(key) => key,
        None => first,
    };
    ctx.out.bulk(&key);
    Ok(())
}

/// A random number from the standard library's per-process random hasher
/// keys (no generator crate needed for one pick).
fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(srdb::now_ms());
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_units() {
        assert_eq!(expire_at_ms("EX", 10, 1_000), Some(11_000));
        assert_eq!(expire_at_ms("PX", 10, 1_000), Some(1_010));
        assert_eq!(expire_at_ms("EXAT", 10, 1_000), Some(10_000));
        assert_eq!(expire_at_ms("PXAT", 10, 1_000), Some(10));
        assert_eq!(expire_at_ms("EX", -5, 1_000), Some(-4_000));
        assert_eq!(expire_at_ms("EX", i64::MAX, 0), None);
        assert_eq!(expire_at_ms("PX", i64::MAX, 1), None);
    }

    #[test]
    fn scans_resume_after_the_cursor_or_at_the_prefix() {
        assert_eq!(scan_start(None, b"p"), Bound::Included(b"p".to_vec()));
        assert_eq!(scan_start(Some(b"q".to_vec()), b"p"), Bound::Excluded(b"q".to_vec()));
        assert_eq!(scan_start(Some(b"a".to_vec()), b"p"), Bound::Included(b"p".to_vec()));
    }
}
