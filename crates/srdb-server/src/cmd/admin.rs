//! Server commands: COMMAND, CONFIG GET, INFO, SAVE, BGSAVE, LASTSAVE, TIME.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use srdb::SyncPolicy;

use super::table::{lookup, CommandSpec, COMMANDS};
use super::{is, shown, CmdResult, Ctx, ErrReply};
use crate::glob;
use crate::resp::Args;
use crate::state::Shared;

pub(super) fn command(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    if args.len() == 1 {
        ctx.out.array(COMMANDS.len());
        COMMANDS.iter().for_each(|c| command_info(ctx, c));
        return Ok(());
    }
    let sub = args.get(1);
    if is(sub, "COUNT") && args.len() == 2 {
        ctx.out.int(COMMANDS.len() as i64);
    } else if is(sub, "LIST") && args.len() == 2 {
        ctx.out.array(COMMANDS.len());
        COMMANDS.iter().for_each(|c| ctx.out.bulk(c.name.as_bytes()));
    } else if is(sub, "INFO") {
        let named: Vec<&[u8]> = args.iter_from(2).collect();
        if named.is_empty() {
            ctx.out.array(COMMANDS.len());
            COMMANDS.iter().for_each(|c| command_info(ctx, c));
        } else {
            ctx.out.array(named.len());
            for name in named {
                match lookup(name) {
                    Some(c) => command_info(ctx, c),
                    None => ctx.out.null_array(),
                }
            }
        }
    } else if is(sub, "DOCS") {
        let docs: Vec<&CommandSpec> = if args.len() == 2 {
            COMMANDS.iter().collect()
        } else {
            args.iter_from(2).filter_map(lookup).collect()
        };
        ctx.out.map(docs.len());
        for c in docs {
            ctx.out.bulk(c.name.as_bytes());
            ctx.out.map(3);
            ctx.out.bulk(b"summary");
            ctx.out.bulk(c.summary.as_bytes());
            ctx.out.bulk(b"since");
            ctx.out.bulk(c.since.as_bytes());
            ctx.out.bulk(b"group");
            ctx.out.bulk(c.group.as_bytes());
        }
    } else if is(sub, "HELP") {
        let lines = [
            "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "(no subcommand)",
            "    Return details about all commands.",
            "COUNT",
            "    Return the total number of commands in this server.",
            "LIST",
            "    Return a list of all commands in this server.",
            "INFO [<command-name> ...]",
            "    Return details about the named commands.",
            "DOCS [<command-name> ...]",
            "    Return documentation about the named commands.",
        ];
        ctx.out.array(lines.len());
        lines.iter().for_each(|l| ctx.out.simple(l));
    } else {
        return Err(ErrReply(
            format!("ERR unknown subcommand '{}'. Try COMMAND HELP.", shown(sub)).into(),
        ));
    }
    Ok(())
}

/// One command in Redis 7's COMMAND INFO shape: name, arity, flags, first
/// key, last key, step, ACL categories, tips, key specs, subcommands.
fn command_info(ctx: &mut Ctx<'_>, c: &CommandSpec) {
    ctx.out.array(10);
    ctx.out.bulk(c.name.as_bytes());
    ctx.out.int(i64::from(c.arity));
    ctx.out.set(c.flags.len());
    c.flags.iter().for_each(|f| ctx.out.simple(f));
    ctx.out.int(i64::from(c.keys.0));
    ctx.out.int(i64::from(c.keys.1));
    ctx.out.int(i64::from(c.keys.2));
    let category = match c.group {
        "string" => "@string",
        "generic" => "@keyspace",
        "connection" => "@connection",
        "table" => "@table",
        _ => "@admin",
    };
    ctx.out.set(1);
    ctx.out.simple(category);
    ctx.out.set(0);
    ctx.out.array(0);
    ctx.out.array(0);
}

/// The settings CONFIG GET reports, with their current values.
fn config_params(srv: &Shared) -> Vec<(&'static str, String)> {
    let c = &srv.config;
    let sync = srv.kv.engine().options().sync;
    vec![
        (
            "appendfsync",
            match sync {
                SyncPolicy::Always => "always",
                SyncPolicy::Periodic(_) => "everysec",
                SyncPolicy::Never => "no",
            }
            .to_string(),
        ),
        ("appendonly", "yes".to_string()),
        ("bind", srv.local_addr.ip().to_string()),
        ("client-query-buffer-limit", c.max_request_bytes.to_string()),
        ("databases", "1".to_string()),
        ("dir", srv.kv.engine().path().display().to_string()),
        ("maxclients", c.max_clients.to_string()),
        ("maxmemory", "0".to_string()),
        ("port", srv.local_addr.port().to_string()),
        ("proto-max-bulk-len", c.max_bulk_bytes.to_string()),
        ("requirepass", c.requirepass.clone().unwrap_or_default()),
        ("save", String::new()),
        (
            "srdb-sync",
            match sync {
                SyncPolicy::Always => "always".to_string(),
                SyncPolicy::Periodic(d) => format!("periodic ({} ms)", d.as_millis()),
                SyncPolicy::Never => "never".to_string(),
            },
        ),
        ("timeout", c.idle_timeout.as_secs().to_string()),
    ]
}

pub(super) fn config(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let sub = args.get(1);
    if is(sub, "GET") {
        if args.len() < 3 {
            return Err(ErrReply::wrong_args("config|get"));
        }
        let params = config_params(ctx.srv);
        let hits: Vec<&(&str, String)> = params
            .iter()
            .filter(|(name, _)| {
                args.iter_from(2).any(|p| glob::matches(&p.to_ascii_lowercase(), name.as_bytes()))
            })
            .collect();
        ctx.out.map(hits.len());
        for (name, value) in hits {
            ctx.out.bulk(name.as_bytes());
            ctx.out.bulk(value.as_bytes());
        }
    } else if is(sub, "HELP") {
        let lines = [
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "srdb's settings come from its command line, environment and config file.",
        ];
        ctx.out.array(lines.len());
        lines.iter().for_each(|l| ctx.out.simple(l));
    } else {
        return Err(ErrReply(
            format!("ERR unknown subcommand '{}'. Try CONFIG HELP.", shown(sub)).into(),
        ));
    }
    Ok(())
}

pub(super) fn info(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    let sections: Vec<String> =
        args.iter_from(1).map(|a| String::from_utf8_lossy(a).to_ascii_lowercase()).collect();
    let text = super::info::render(ctx.srv, &sections)?;
    ctx.out.verbatim(&text);
    Ok(())
}

pub(super) fn save(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    if ctx.srv.bgsave_running.load(Ordering::Acquire) {
        return Err(ErrReply::msg("ERR Background save already in progress"));
    }
    ctx.srv.kv.flush()?;
    ctx.srv.saved();
    ctx.out.ok();
    Ok(())
}

pub(super) fn bgsave(ctx: &mut Ctx<'_>, args: Args<'_>) -> CmdResult {
    match args.len() {
        1 => {}
        2 if is(args.get(1), "SCHEDULE") => {}
        _ => return Err(ErrReply::SYNTAX),
    }
    if ctx.srv.bgsave_running.swap(true, Ordering::AcqRel) {
        return Err(ErrReply::msg("ERR Background save already in progress"));
    }
    let srv: Arc<Shared> = Arc::clone(ctx.srv);
    let spawned = std::thread::Builder::new().name("srdb-bgsave".into()).spawn(move || {
        match srv.kv.flush() {
            Ok(()) => srv.saved(),
            Err(e) => eprintln!("srdb: background save failed: {e}"),
        }
        srv.bgsave_running.store(false, Ordering::Release);
    });
    if let Err(e) = spawned {
        ctx.srv.bgsave_running.store(false, Ordering::Release);
        return Err(ErrReply(format!("ERR cannot start the background save: {e}").into()));
    }
    ctx.out.simple("Background saving started");
    Ok(())
}

pub(super) fn lastsave(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    ctx.out.int(ctx.srv.last_save_unix.load(Ordering::Relaxed) as i64);
    Ok(())
}

pub(super) fn time(ctx: &mut Ctx<'_>, _args: Args<'_>) -> CmdResult {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    ctx.out.array(2);
    ctx.out.bulk(now.as_secs().to_string().as_bytes());
    ctx.out.bulk(now.subsec_micros().to_string().as_bytes());
    Ok(())
}
