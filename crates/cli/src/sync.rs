//! `login`, `logout`, `sync`, `sync status`, `sync rejections`, `sync dismiss`: the sync
//! client ([`wp_sync`]) on the command line.

use std::io::{BufRead, IsTerminal};

use backon::BackoffBuilder;
use clap::Subcommand;
use wp_domain::mutation::Resolution;
use wp_store::Store;
use wp_sync::token::Deleted;
use wp_sync::{
    api_for, sign_in, sign_out, sync_round, KeepToken, Progress, RetryPolicy, RoundOptions,
    SyncError,
};

use crate::Failure;

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Where sync stands: the account, the queue, the last sync, rejections.
    Status,
    /// Changes the server refused, with its reasons.
    Rejections,
    /// Forget a rejection you have dealt with.
    Dismiss { id: i64 },
}

/// `conflicts` subcommands.
#[derive(Subcommand)]
pub enum ConflictCommand {
    /// Open conflicts: your changes that lost to an earlier one, with both values.
    List {
        /// Resolved ones too.
        #[arg(long)]
        all: bool,
    },
    /// Resolve a conflict: keep yours, take the live value, or save a merged text.
    Resolve {
        id: String,
        /// Your value replaces the live one.
        #[arg(long, group = "choice")]
        mine: bool,
        /// The live value stays.
        #[arg(long, group = "choice")]
        theirs: bool,
        /// A merged text (a note or a title), or JSON for an output field.
        #[arg(long, group = "choice")]
        merged: Option<String>,
    },
}

/// Exit code of `sync` when the server refused changes that the user has not dismissed, or
/// conflicts are open.
pub const EXIT_REJECTIONS: u8 = 7;

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Input(format!("cannot start the network runtime: {e}")))
}

/// The token: `$WORKSHOPPILOT_TOKEN`, else a hidden prompt on a terminal, else a line of stdin.
fn read_token() -> Result<String, Failure> {
    if let Ok(token) = std::env::var(wp_sync::token::TOKEN_ENV) {
        if !token.trim().is_empty() {
            return Ok(token.trim().to_string());
        }
    }
    let token = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Personal access token: ")
            .map_err(|e| Failure::Input(format!("cannot read the token: {e}")))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::Input(format!("cannot read the token from stdin: {e}")))?;
        line
    };
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(Failure::Input(
            "no token given: pipe it to stdin, type it at the prompt, or set WORKSHOPPILOT_TOKEN"
                .into(),
        ));
    }
    Ok(token)
}

/// `login --server URL`: checks the token with the server, binds the database to its user
/// and keeps the token in the OS keyring (not with `--no-keyring`).
pub fn login(store: &mut Store, server: &str, no_keyring: bool, json: bool) -> Result<(), Failure> {
    let token = read_token()?;
    let keep = if no_keyring {
        KeepToken::Nowhere
    } else {
        KeepToken::Keyring
    };
    let (me, state) = runtime()?.block_on(sign_in(store, server, &token, keep))?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "user": { "id": me.user.id, "name": me.user.name }, "sync": state })
        );
    } else {
        println!(
            "Signed in to {} as {} ({}).",
            state.server_url, me.user.name, me.user.id
        );
        if state.pending > 0 {
            println!(
                "{} change(s) wait to be sent: run `workshoppilot sync`.",
                state.pending
            );
        }
        if no_keyring {
            println!("The token was not kept: set WORKSHOPPILOT_TOKEN to sync.");
        }
    }
    Ok(())
}

/// `logout`: deletes the token from the keyring; says what stays.
pub fn logout(store: &Store) -> Result<(), Failure> {
    match sign_out(store)? {
        Some((state, deleted)) => {
            let token = match deleted {
                Deleted::Token => "the token is deleted from the keyring",
                Deleted::Nothing => "the keyring held no token for it",
                Deleted::NoKeyring => "this machine has no keyring, so none held a token",
            };
            println!(
                "Signed out of {}: {token}. Your workshops stay on this machine, with {} change(s) not yet sent; this database stays tied to user {}.",
                state.server_url, state.pending, state.server_user_id
            );
            if std::env::var_os(wp_sync::token::TOKEN_ENV).is_some() {
                println!("WORKSHOPPILOT_TOKEN is still set in your environment.");
            }
        }
        None => println!("Not signed in; nothing to do."),
    }
    Ok(())
}

/// `sync --watch`: after the first round, follows the server's event stream and runs a round
/// on each poke (pokes during a round are one more round), a line each on stdout (JSON with
/// `--json`); a lost stream is opened again after a jittered backoff (1 s doubling to 30 s).
/// Runs until interrupted, or until the server refuses the token.
pub fn watch(store: &mut Store, options: RoundOptions, json: bool) -> Result<u8, Failure> {
    let state = store.sync_state()?.ok_or(SyncError::NotSignedIn)?;
    let token = wp_sync::token::load(&state.server_url)?;
    let api = api_for(store, RetryPolicy::default())?;
    eprintln!(
        "watching {}: a round on each change; Ctrl+C to stop",
        api.base()
    );
    let backoff = || {
        backon::ExponentialBuilder::default()
            .with_min_delay(std::time::Duration::from_secs(1))
            .with_max_delay(std::time::Duration::from_secs(30))
            .with_jitter()
            .without_max_times()
            .build()
    };
    runtime()?.block_on(async {
        let mut delays = backoff();
        loop {
            let (poked, mut pokes) = tokio::sync::mpsc::unbounded_channel();
            let follow = wp_sync::events::follow(&state.server_url, &token, |_| {
                let _ = poked.send(());
            });
            tokio::pin!(follow);
            let ended = loop {
                tokio::select! {
                    ended = &mut follow => break ended,
                    Some(()) = pokes.recv() => {
                        while pokes.try_recv().is_ok() {}
                        delays = backoff();
                        match sync_round(store, &api, options, &mut |_| {}).await {
                            Ok(report) if json => println!("{}", serde_json::json!({ "report": report })),
                            Ok(report) => println!(
                                "{}: {} sent, {} row(s) received, {} waiting",
                                chrono::Local::now().format("%H:%M:%S"),
                                report.applied + report.duplicates,
                                report.rows_written + report.rows_deleted,
                                report.pending
                            ),
                            Err(e) => eprintln!("sync failed: {e}; trying again at the next change"),
                        }
                    }
                }
            };
            match ended {
                Err(SyncError::Unauthorized) => return Err(Failure::Sync(SyncError::Unauthorized)),
                Err(e) => eprintln!("the server's event stream was lost ({e}); opening it again"),
                Ok(()) => continue,
            }
            tokio::time::sleep(delays.next().unwrap_or(std::time::Duration::from_secs(30))).await;
        }
    })
}

/// `sync`: one round, progress on stderr.
/// Exit code of `sync` when a mass delete waits for the user's word.
pub const EXIT_HELD_DELETES: u8 = 10;

pub fn sync(
    store: &mut Store,
    options: RoundOptions,
    keep_deleted: bool,
    json: bool,
) -> Result<u8, Failure> {
    if keep_deleted {
        let unshared = store.held_deletes()?.map(|h| h.unshared.len()).unwrap_or(0);
        let kept = store.keep_held_deletes()?;
        eprintln!(
            "kept {kept} workshop(s) that a sync would have deleted; they go back to the server"
        );
        if unshared > 0 {
            eprintln!("{unshared} copy(ies) of workshops whose owner removed your access went: only their owner can share them again");
        }
    }
    let api = api_for(store, RetryPolicy::default())?;
    let mut progress = |p: Progress| match p {
        Progress::Pushing { sent } => eprintln!("sent {sent} change(s)"),
        Progress::Pulling { pages, rows, .. } => {
            eprintln!("received {rows} row(s) in {pages} page(s)")
        }
        Progress::Resetting { expired: false } => {
            eprintln!("the server's history changed (a restore?): rebuilding from a full pull")
        }
        Progress::Resetting { expired: true } => {
            eprintln!("this database last synced before the oldest changes the server keeps: rebuilding from a full pull")
        }
    };
    let report = runtime()?.block_on(sync_round(store, &api, options, &mut progress))?;
    let (rejections, conflicts) = store
        .sync_state()?
        .map(|s| (s.rejections, s.conflicts))
        .unwrap_or((0, 0));
    if json {
        println!(
            "{}",
            serde_json::json!({ "report": report, "openRejections": rejections })
        );
    } else {
        println!(
            "Synced with {}: {} sent, {} refused, {} row(s) received, {} waiting.",
            api.base(),
            report.applied + report.duplicates,
            report.rejected,
            report.rows_written + report.rows_deleted,
            report.pending
        );
        if report.reset && report.expired {
            println!("This database had not synced for longer than the server keeps deletions; it was rebuilt from a full pull.");
        } else if report.reset {
            println!(
                "The server's history was rewritten (restored from a backup); {} workshop(s) it had lost were sent again.",
                report.offered_again
            );
        }
        if rejections > 0 {
            println!("{rejections} refused change(s): see `workshoppilot sync rejections`.");
        }
        if conflicts > 0 {
            println!("{conflicts} open conflict(s): see `workshoppilot conflicts list`.");
        }
        if let Some(held) = &report.held_deletes {
            println!(
                "Paused: the server's changes would delete {} of your {} workshop(s); nothing was deleted:",
                held.workshops.len(),
                held.live_workshops
            );
            for (id, title) in &held.workshops {
                let why = if held.unshared.contains(id) {
                    "  [its owner removed your access]"
                } else {
                    ""
                };
                println!("  {title}  ({id}){why}");
            }
            println!("Run `workshoppilot sync --allow-mass-delete` to delete them here too, or `workshoppilot sync --keep-deleted` to keep them and restore them on the server.");
            if !held.unshared.is_empty() {
                println!("Copies of workshops whose owner removed your access go either way: only their owner can share them again.");
            }
        }
    }
    if report.held_deletes.is_some() {
        return Ok(EXIT_HELD_DELETES);
    }
    Ok(if rejections > 0 || conflicts > 0 {
        EXIT_REJECTIONS
    } else {
        0
    })
}

pub fn command(store: &mut Store, command: SyncCommand, json: bool) -> Result<(), Failure> {
    match command {
        SyncCommand::Status => {
            let state = store.sync_state()?;
            if json {
                println!("{}", serde_json::json!({ "sync": state }));
                return Ok(());
            }
            match state {
                None => println!(
                    "Not signed in. {} change(s) wait locally.",
                    store.outbox_len()?
                ),
                Some(s) => {
                    println!("Server:      {}", s.server_url);
                    println!("User:        {}", s.server_user_id);
                    println!(
                        "Last synced: {}",
                        s.last_synced_at
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_else(|| "never".into())
                    );
                    println!("Waiting:     {} change(s)", s.pending);
                    println!("Refused:     {} change(s)", s.rejections);
                }
            }
        }
        SyncCommand::Rejections => {
            let rejections = store.rejections()?;
            if json {
                println!("{}", serde_json::json!({ "rejections": rejections }));
            } else if rejections.is_empty() {
                println!("No refused changes.");
            } else {
                for r in rejections {
                    println!(
                        "{}  {}  {} on {}: {}",
                        r.id,
                        r.rejected_at.format("%Y-%m-%d %H:%M"),
                        r.name,
                        r.workshop_id,
                        r.error
                    );
                }
            }
        }
        SyncCommand::Dismiss { id } => {
            store.dismiss_rejection(id)?;
            println!("Dismissed {id}.");
        }
    }
    Ok(())
}

impl From<SyncError> for Failure {
    fn from(e: SyncError) -> Self {
        Failure::Sync(e)
    }
}

fn show(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.replace('\n', "\n      "),
        other => other.to_string(),
    }
}

/// `conflicts list|resolve`.
pub fn conflicts(store: &mut Store, command: ConflictCommand, json: bool) -> Result<(), Failure> {
    match command {
        ConflictCommand::List { all } => {
            let list = store.conflicts(!all)?;
            if json {
                println!("{}", serde_json::json!({ "conflicts": list }));
            } else if list.is_empty() {
                println!("No open conflicts.");
            } else {
                for c in list {
                    let what = match (c.kind, &c.field, &c.step_id) {
                        (wp_domain::ConflictKind::Title, _, _) => "the title".to_string(),
                        (wp_domain::ConflictKind::Note, _, Some(step)) => {
                            format!("your note on {step}")
                        }
                        (wp_domain::ConflictKind::Note, _, None) => {
                            "your workshop note".to_string()
                        }
                        (_, Some(field), Some(step)) => format!("{step} output field {field}"),
                        (_, _, step) => format!("{} output", step.as_deref().unwrap_or("a step's")),
                    };
                    println!(
                        "{}  {} of {}{}",
                        c.id,
                        what,
                        c.workshop_id,
                        if c.resolved_at.is_some() {
                            " (resolved)"
                        } else {
                            ""
                        }
                    );
                    println!("  live: {}", show(&c.theirs));
                    println!("  mine: {}", show(&c.mine));
                }
                println!("Resolve with `workshoppilot conflicts resolve ID --mine | --theirs | --merged TEXT`, then sync.");
            }
        }
        ConflictCommand::Resolve {
            id,
            mine,
            theirs,
            merged,
        } => {
            let resolution = match (mine, theirs, merged) {
                (true, _, _) => Resolution::Mine,
                (_, true, _) => Resolution::Theirs,
                (_, _, Some(text)) => {
                    let kind = store
                        .conflicts(false)?
                        .into_iter()
                        .find(|c| c.id == id)
                        .map(|c| c.kind);
                    let value = if kind == Some(wp_domain::ConflictKind::OutputField) {
                        serde_json::from_str(&text).map_err(|e| {
                            Failure::Input(format!(
                                "--merged must be JSON for an output field: {e}"
                            ))
                        })?
                    } else {
                        serde_json::Value::String(text)
                    };
                    Resolution::Merged { value }
                }
                _ => {
                    return Err(Failure::Input(
                        "say how: --mine, --theirs or --merged TEXT".into(),
                    ))
                }
            };
            store.resolve_conflict(&id, resolution)?;
            println!("Resolved {id}; run `workshoppilot sync` to clear it on your other machines.");
        }
    }
    Ok(())
}
