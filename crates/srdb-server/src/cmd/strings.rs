//! String commands: GET, SET and its relatives, counters, ranges.
//!
//! Commands that read a key and write it back depending on what they read
//! (SET with NX / XX / GET / KEEPTTL, SETNX, GETSET, GETDEL, MSETNX, INCR*,
//! APPEND, SETRANGE) run through `Kv::update`, which holds the key's stripe
//! lock across the read and the write: they are atomic across connections.
//! Plain SET and MSET are blind writes.

use srdb::{KvEntry, KvWrite, MAX_KV_VALUE_BYTES};

use super::{int_arg, is, parse_f64, CmdResult, Ctx, ErrReply};
use crate::cmd::keys::expire_at_ms;
use crate::resp::{Args, FloatText};

const TOO_LARGE: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

pub(super) fn get(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let value = ctx.srv.kv.get(args.get(1))?;
    ctx.count_hit(value.is_some());
    match value {
        Some(v) => ctx.out.bulk(&v),
        None => ctx.out.null(),
    }
    Ok(())
}

/// When a SET leaves the key's expiry.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SetExpiry {
    /// No expiry (the default: SET clears one).
    Clear,
    /// KEEPTTL: as it was.
    Keep,
    /// EX / PX / EXAT / PXAT.
    At(u64),
}

pub(super) fn set(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let (key, value) = (args.get(1), args.get(2));
    let (mut nx, mut xx, mut get) = (false, false, false);
    let mut expiry = SetExpiry::Clear;
    let mut expiry_given = false;
    let mut i = 3;
    while i < args.len() {
        let opt = args.get(i);
        if is(opt, "NX") && !xx {
            nx = true;
        } else if is(opt, "XX") && !nx {
            xx = true;
        } else if is(opt, "GET") {
            get = true;
        } else if is(opt, "KEEPTTL") && !expiry_given {
            expiry = SetExpiry::Keep;
            expiry_given = true;
        } else if ["EX", "PX", "EXAT", "PXAT"].iter().any(|u| is(opt, u))
            && !expiry_given
            && i + 1 < args.len()
        {
            let unit = std::str::from_utf8(opt).unwrap_or_default().to_ascii_uppercase();
            let amount = int_arg(args.get(i + 1))?;
            if amount <= 0 {
                return Err(ErrReply::msg("ERR invalid expire time in 'set' command"));
            }
            let at = expire_at_ms(&unit, amount, srdb::now_ms())
                .and_then(|at| u64::try_from(at).ok())
                .ok_or_else(|| ErrReply::msg("ERR invalid expire time in 'set' command"))?;
            expiry = SetExpiry::At(at);
            expiry_given = true;
            i += 1;
        } else {
            return Err(ErrReply::SYNTAX);
        }
        i += 1;
    }
    if value.len() > MAX_KV_VALUE_BYTES {
        return Err(ErrReply::msg(TOO_LARGE));
    }
    if !nx && !xx && !get && expiry != SetExpiry::Keep {
        let at = match expiry {
            SetExpiry::At(at) => Some(at),
            _ => None,
        };
        ctx.defer_put(key, value, at);
        ctx.defer_ok();
        return Ok(());
    }
    let (old, written) = ctx.srv.kv.update(key, |old| {
        let skip = (nx && old.is_some()) || (xx && old.is_none());
        if skip {
            return (KvWrite::Keep, (old.map(|e| e.value), false));
        }
        let expire_at_ms = match expiry {
            SetExpiry::Clear => None,
            SetExpiry::Keep => old.as_ref().and_then(|e| e.expire_at_ms),
            SetExpiry::At(at) => Some(at),
        };
        (KvWrite::Put { value: value.to_vec(), expire_at_ms }, (old.map(|e| e.value), true))
    })?;
    match (get, old, written) {
        (true, Some(v), _) => ctx.out.bulk(&v),
        (true, None, _) | (false, _, false) => ctx.out.null(),
        (false, _, true) => ctx.out.ok(),
    }
    Ok(())
}

pub(super) fn setnx(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let value = args.get(2);
    let set = ctx.srv.kv.update(args.get(1), |old| match old {
        Some(_) => (KvWrite::Keep, false),
        None => (KvWrite::Put { value: value.to_vec(), expire_at_ms: None }, true),
    })?;
    ctx.out.int(i64::from(set));
    Ok(())
}

pub(super) fn getset(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let value = args.get(2);
    let old = ctx.srv.kv.update(args.get(1), |old| {
        (KvWrite::Put { value: value.to_vec(), expire_at_ms: None }, old.map(|e| e.value))
    })?;
    bulk_or_null(ctx, old);
    Ok(())
}

pub(super) fn getdel(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let old = ctx.srv.kv.update(args.get(1), |old| match old {
        Some(e) => (KvWrite::Delete, Some(e.value)),
        None => (KvWrite::Keep, None),
    })?;
    bulk_or_null(ctx, old);
    Ok(())
}

fn bulk_or_null(ctx: &mut Ctx<'_>, value: Option<Vec<u8>>) {
    ctx.count_hit(value.is_some());
    match value {
        Some(v) => ctx.out.bulk(&v),
        None => ctx.out.null(),
    }
}

pub(super) fn mget(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    // One snapshot: the values are those of one instant, as in Redis.
    let snapshot = ctx.srv.kv.snapshot();
    ctx.out.array(args.len() - 1);
    for key in args.iter_from(1) {
        let value = snapshot.get(key)?;
        ctx.count_hit(value.is_some());
        match value {
            Some(v) => ctx.out.bulk(&v),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

pub(super) fn mset(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if args.len().is_multiple_of(2) {
        return Err(ErrReply::wrong_args("mset"));
    }
    if (2..args.len()).step_by(2).any(|i| args.get(i).len() > MAX_KV_VALUE_BYTES) {
        return Err(ErrReply::msg(TOO_LARGE));
    }
    for i in (1..args.len()).step_by(2) {
        ctx.defer_put(args.get(i), args.get(i + 1), None);
    }
    ctx.defer_ok();
    Ok(())
}

pub(super) fn msetnx(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if args.len().is_multiple_of(2) {
        return Err(ErrReply::wrong_args("msetnx"));
    }
    let keys: Vec<&[u8]> = (1..args.len()).step_by(2).map(|i| args.get(i)).collect();
    let set = ctx.srv.kv.update_many(&keys, |old| {
        if old.iter().any(Option::is_some) {
            return (vec![KvWrite::Keep; old.len()], false);
        }
        let writes = (1..args.len())
            .step_by(2)
            .map(|i| KvWrite::Put { value: args.get(i + 1).to_vec(), expire_at_ms: None })
            .collect();
        (writes, true)
    })?;
    ctx.out.int(i64::from(set));
    Ok(())
}

pub(super) fn incr(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    incr_by(ctx, args.get(1), 1)
}

pub(super) fn decr(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    incr_by(ctx, args.get(1), -1)
}

pub(super) fn incrby(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let delta = int_arg(args.get(2))?;
    incr_by(ctx, args.get(1), delta)
}

pub(super) fn decrby(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let delta = int_arg(args.get(2))?;
    let negated = delta.checked_neg().ok_or(ErrReply::msg("ERR decrement would overflow"))?;
    incr_by(ctx, args.get(1), negated)
}

fn incr_by(ctx: &mut Ctx<'_>, key: &[u8], delta: i64) -> CmdResult {
    let result = ctx.srv.kv.update(key, |old| {
        let (current, expire_at_ms) = match &old {
            None => (0, None),
            Some(e) => match super::parse_i64(&e.value) {
                Some(n) => (n, e.expire_at_ms),
                None => return (KvWrite::Keep, Err(ErrReply::NOT_INTEGER)),
            },
        };
        match current.checked_add(delta) {
            None => {
                (KvWrite::Keep, Err(ErrReply::msg("ERR increment or decrement would overflow")))
            }
            Some(n) => (KvWrite::Put { value: n.to_string().into_bytes(), expire_at_ms }, Ok(n)),
        }
    })?;
    ctx.out.int(result?);
    Ok(())
}

pub(super) fn incrbyfloat(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let delta = parse_f64(args.get(2)).ok_or(ErrReply::NOT_FLOAT)?;
    let result = ctx.srv.kv.update(args.get(1), |old| {
        let (current, expire_at_ms) = match &old {
            None => (0.0, None),
            Some(e) => match parse_f64(&e.value) {
                Some(x) => (x, e.expire_at_ms),
                None => return (KvWrite::Keep, Err(ErrReply::NOT_FLOAT)),
            },
        };
        let sum = current + delta;
        if !sum.is_finite() {
            return (
                KvWrite::Keep,
                Err(ErrReply::msg("ERR increment would produce NaN or Infinity")),
            );
        }
        let text = FloatText(sum).to_string().into_bytes();
        (KvWrite::Put { value: text.clone(), expire_at_ms }, Ok(text))
    })?;
    ctx.out.bulk(&result?);
    Ok(())
}

pub(super) fn append(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let suffix = args.get(2);
    let result = ctx.srv.kv.update(args.get(1), |old| {
        let KvEntry { mut value, expire_at_ms } =
            old.unwrap_or(KvEntry { value: Vec::new(), expire_at_ms: None });
        if value.len() + suffix.len() > MAX_KV_VALUE_BYTES {
            return (KvWrite::Keep, Err(ErrReply::msg(TOO_LARGE)));
        }
        value.extend_from_slice(suffix);
        let len = value.len() as i64;
        (KvWrite::Put { value, expire_at_ms }, Ok(len))
    })?;
    ctx.out.int(result?);
    Ok(())
}

pub(super) fn strlen(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let len = ctx.srv.kv.get(args.get(1))?.map_or(0, |v| v.len());
    ctx.out.int(len as i64);
    Ok(())
}

pub(super) fn getrange(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let (start, end) = (int_arg(args.get(2))?, int_arg(args.get(3))?);
    let value = ctx.srv.kv.get(args.get(1))?.unwrap_or_default();
    ctx.out.bulk(substring(&value, start, end));
    Ok(())
}

/// Redis's GETRANGE: negative offsets count from the end, the range is
/// clamped to the string, an empty range gives "".
fn substring(value: &[u8], start: i64, end: i64) -> &[u8] {
    let len = value.len() as i64;
    if len == 0 || (start < 0 && end < 0 && start > end) {
        return &[];
    }
    let start = if start < 0 { (len + start).max(0) } else { start };
    let end = if end < 0 { (len + end).max(0) } else { end.min(len - 1) };
    if start > end || start >= len {
        return &[];
    }
    &value[start as usize..=end as usize]
}

pub(super) fn setrange(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let offset = int_arg(args.get(2))?;
    let patch = args.get(3);
    if offset < 0 {
        return Err(ErrReply::msg("ERR offset is out of range"));
    }
    let offset = offset as usize;
    if !patch.is_empty() && offset.saturating_add(patch.len()) > MAX_KV_VALUE_BYTES {
        return Err(ErrReply::msg(TOO_LARGE));
    }
    let len = ctx.srv.kv.update(args.get(1), |old| match old {
        // An empty patch changes nothing and creates no key.
        None if patch.is_empty() => (KvWrite::Keep, 0),
        Some(e) if patch.is_empty() => {
            let len = e.value.len() as i64;
            (KvWrite::Keep, len)
        }
        old => {
            let KvEntry { mut value, expire_at_ms } =
                old.unwrap_or(KvEntry { value: Vec::new(), expire_at_ms: None });
            if value.len() < offset + patch.len() {
                value.resize(offset + patch.len(), 0);
            }
            value[offset..offset + patch.len()].copy_from_slice(patch);
            let len = value.len() as i64;
            (KvWrite::Put { value, expire_at_ms }, len)
        }
    })?;
    ctx.out.int(len);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::substring;

    #[test]
    fn getrange_matches_redis() {
        let s = b"This is a string";
        assert_eq!(substring(s, 0, 3), b"This");
        assert_eq!(substring(s, -3, -1), b"ing");
        assert_eq!(substring(s, 0, -1), s);
        assert_eq!(substring(s, 10, 100), b"string");
        assert_eq!(substring(s, 5, 3), b"");
        assert_eq!(substring(s, -1, -5), b"");
        assert_eq!(substring(s, 100, 200), b"");
        assert_eq!(substring(b"", 0, -1), b"");
        assert_eq!(substring(s, -100, 1), b"Th");
    }
}
