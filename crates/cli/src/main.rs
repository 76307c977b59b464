//! `workshoppilot`: the command-line tool over the local workshop store.
//!
//! Every command opens the same database as the desktop app (or `--db` /
//! `$WORKSHOPPILOT_DB`), runs one store operation and prints its result. Errors go to
//! stderr with a hint and a non-zero exit code: 3 invalid input, 4 not found, 5 conflict
//! with the current state, 6 storage, 7 refused changes or conflicts remain after `sync`, 10 `sync` paused before a mass delete, 8 sign-in
//! needed (or no keyring), 9 the server is unreachable or refused; 2 is a usage error.

mod print;
mod schedule;
mod sync;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use wp_store::{
    BuildPackKind, ErrorCode, ExportFormat, ExportRequest, Store, StoreError, WorkshopFilter,
};

#[derive(Parser)]
#[command(
    name = "workshoppilot",
    version,
    about = "WorkshopPilot on the command line: workshops, steps, notes, build packs, sessions and series, offline."
)]
struct Cli {
    /// Database file [default: the app's data directory, or $WORKSHOPPILOT_DATA_DIR/workshoppilot.db].
    #[arg(long, global = true, env = "WORKSHOPPILOT_DB", value_name = "PATH")]
    db: Option<PathBuf>,
    /// Print results as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import a workshop from a JSON file (the PawPal fixture's shape); nothing is imported if any step is invalid.
    Import { file: PathBuf },
    /// Create an empty workshop.
    Create {
        #[arg(long)]
        title: Option<String>,
        #[arg(long, default_value = "")]
        idea: String,
    },
    /// List workshops with their progress.
    List {
        /// Show the trash instead.
        #[arg(long)]
        trash: bool,
        /// Keep titles containing this text.
        #[arg(long)]
        search: Option<String>,
    },
    /// Show a workshop's steps with status and progress.
    Show { workshop: String },
    /// Rename a workshop (1 to 100 characters).
    Rename { workshop: String, title: String },
    /// Work on a step.
    #[command(subcommand)]
    Step(StepCommand),
    /// Private facilitator notes (at most 50,000 characters).
    #[command(subcommand)]
    Note(NoteCommand),
    /// Complete the workshop (all ten steps must be complete).
    Complete { workshop: String },
    /// Move a workshop to the trash.
    Delete { workshop: String },
    /// Bring a workshop back from the trash.
    Restore { workshop: String },
    /// Build packs: generate and export.
    #[command(subcommand, name = "build-pack")]
    BuildPack(BuildPackCommand),
    /// Who has access to a workshop: list them, share it with a user (their usr_... id, shown
    /// by `sync status` on their machine) as editor or viewer, or take access away.
    #[command(subcommand)]
    Members(MembersCommand),
    /// Live sessions: schedule, list (the Agenda without a workshop), cancel.
    #[command(subcommand)]
    Session(schedule::SessionCommand),
    /// Recurring series: create, list, cancel from a session on, export .ics.
    #[command(subcommand)]
    Series(schedule::SeriesCommand),
    /// Sign in to a sync server: the token is read from $WORKSHOPPILOT_TOKEN, a prompt or stdin,
    /// checked with the server, and kept in the OS keyring.
    Login {
        /// The server's URL: https, or http to this machine only.
        #[arg(long)]
        server: String,
        /// Do not keep the token (sync then needs $WORKSHOPPILOT_TOKEN).
        #[arg(long)]
        no_keyring: bool,
    },
    /// Sign out: delete the token from the keyring. Workshops and unsent changes stay.
    Logout,
    /// Conflicts: your changes that lost to an earlier one on the server.
    #[command(subcommand)]
    Conflicts(sync::ConflictCommand),
    /// Sync once with the server (push, then pull); exit code 7 when refused changes or
    /// conflicts remain.
    Sync {
        /// Apply a mass delete the server's changes bring (more than 10 workshops, or more
        /// than half of them); without it such a sync pauses and asks (exit code 10).
        #[arg(long, conflicts_with = "keep_deleted")]
        allow_mass_delete: bool,
        /// Keep the workshops a paused mass delete would remove, and restore them on the server.
        #[arg(long)]
        keep_deleted: bool,
        /// Keep syncing: after the first round, follow the server's event stream and run a
        /// round each time something you may see changes, until interrupted (Ctrl+C).
        #[arg(long)]
        watch: bool,
        #[command(subcommand)]
        command: Option<sync::SyncCommand>,
    },
}

#[derive(Args)]
struct StepArgs {
    workshop: String,
    /// Step id: challenge, stakeholder-mapping, user-research, sense-making, persona,
    /// journey-mapping, reframe, ideation, concept, validate.
    step: String,
}

#[derive(Subcommand)]
enum StepCommand {
    /// Start a step (not started or needing regeneration → in progress).
    Start(StepArgs),
    /// Complete a step (it needs a saved output).
    Complete(StepArgs),
    /// Complete a step and start the next.
    Advance(StepArgs),
    /// Revise a complete step: later steps need regeneration, outputs kept.
    Revise(StepArgs),
    /// Save a step's output from a JSON file (`-` for stdin), validated against the step's schema.
    SetOutput {
        #[command(flatten)]
        step: StepArgs,
        file: PathBuf,
    },
    /// Print a step's output as JSON.
    Output(StepArgs),
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ShareRole {
    Editor,
    Viewer,
}

#[derive(Subcommand)]
enum MembersCommand {
    /// Everyone with access: the owner first.
    List { workshop: String },
    /// Share (owner only; synced as `addMember`); sharing again changes the role.
    Add {
        workshop: String,
        user: String,
        #[arg(long, value_enum, default_value = "editor")]
        role: ShareRole,
    },
    /// Take a user's access away (owner only; their devices drop their copy at their next sync).
    Remove { workshop: String, user: String },
}

#[derive(Subcommand)]
enum NoteCommand {
    /// Save a note whole: from --text, --file, or stdin.
    Set {
        workshop: String,
        /// The step the note belongs to; without it, the workshop's own note.
        #[arg(long)]
        step: Option<String>,
        #[arg(long, conflicts_with = "file")]
        text: Option<String>,
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Print a note.
    Show {
        workshop: String,
        #[arg(long)]
        step: Option<String>,
    },
}

#[derive(Subcommand)]
enum BuildPackCommand {
    /// Generate the build pack from the current step outputs and store it.
    Generate { workshop: String },
    /// Generate the build pack and write it to a file, atomically.
    Export {
        workshop: String,
        /// md, html or json.
        #[arg(long)]
        format: String,
        /// A file, or an existing directory to write `{slug}.{ext}` into.
        #[arg(long)]
        out: PathBuf,
        /// pack (everything), prd, validation-plan or workshop-summary.
        #[arg(long, default_value = "pack")]
        kind: String,
        /// Include the facilitator's private notes.
        #[arg(long)]
        include_notes: bool,
    },
}

/// A command's failure: the store's error, sync's, or one of the CLI's own with its code.
pub(crate) enum Failure {
    Store(StoreError),
    Sync(wp_sync::SyncError),
    Input(String),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

impl From<wp_store::BuildPackError> for Failure {
    fn from(e: wp_store::BuildPackError) -> Self {
        Failure::Store(e.into())
    }
}

fn main() -> ExitCode {
    // A closed pipe (`workshoppilot session list | head`) ends the program quietly, as it
    // does other Unix tools, instead of a panic in `println!`. Changes are committed before
    // anything is printed, so nothing is lost.
    #[cfg(unix)]
    // SAFETY: resetting a signal's disposition to its default, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let logging_out = matches!(cli.command, Command::Logout);
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(3)
        }
        Err(Failure::Sync(wp_sync::SyncError::Store(e))) => store_failure(e),
        Err(Failure::Sync(e)) => {
            let (code, hint) = if e.needs_sign_in() {
                (
                    8,
                    "Run `workshoppilot login --server URL`, or set WORKSHOPPILOT_TOKEN.",
                )
            } else if logging_out && matches!(e, wp_sync::SyncError::KeyringLocked(_)) {
                (8, "The token stays where it is: unlock the OS keyring (your desktop's login keyring) and run `workshoppilot logout` again. Nothing else was changed.")
            } else if logging_out && matches!(e, wp_sync::SyncError::Keyring(_)) {
                (8, "The keyring could not delete the token, so it may still be there: look for ai.workshoppilot.desktop in your desktop's passwords and keys. Nothing else was changed.")
            } else if matches!(e, wp_sync::SyncError::Keyring(_)) {
                (8, "No usable OS keyring (Secret Service): set WORKSHOPPILOT_TOKEN instead, or pass --no-keyring to login.")
            } else if matches!(e, wp_sync::SyncError::KeyringLocked(_)) {
                (8, "Unlock the OS keyring (your desktop's login keyring), or set WORKSHOPPILOT_TOKEN.")
            } else {
                (9, "Nothing was lost: unsent changes stay queued for the next `workshoppilot sync`.")
            };
            eprintln!("error: {e}\nhint: {hint}");
            ExitCode::from(code)
        }
        Err(Failure::Store(e)) => store_failure(e),
    }
}

/// Exits with the store error's code (3 invalid input, 4 not found, 5 conflict, 6 storage).
fn store_failure(e: StoreError) -> ExitCode {
    let (code, hint) = match e.code() {
        ErrorCode::InvalidInput => (
            3,
            "Fix the input named above and run the command again; nothing was changed.",
        ),
        ErrorCode::NotFound => (
            4,
            "Run `workshoppilot list` (or `list --trash`) to see workshop ids and titles.",
        ),
        ErrorCode::Conflict | ErrorCode::Forbidden => (
            5,
            "Run `workshoppilot show <workshop>` to see the steps' status; nothing was changed.",
        ),
        // The sync codes: never a store error's, kept with storage's exit status.
        ErrorCode::Storage
        | ErrorCode::SignIn
        | ErrorCode::Unreachable
        | ErrorCode::Keyring
        | ErrorCode::KeyringLocked => (
            6,
            "Check the database path (--db or $WORKSHOPPILOT_DB), permissions and free disk space.",
        ),
    };
    eprintln!("error: {e}\nhint: {hint}");
    ExitCode::from(code)
}

fn read_input(path: &PathBuf) -> Result<String, Failure> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::Input(format!("cannot read stdin: {e}")))?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .map_err(|e| Failure::Input(format!("cannot read {}: {e}", path.display())))
}

/// Finds a workshop by id, or by title (case-insensitive) when the title is unambiguous.
pub(crate) fn resolve(store: &Store, reference: &str) -> Result<String, Failure> {
    if reference.starts_with("ws_") {
        return Ok(reference.to_string());
    }
    let mut matches: Vec<_> = Vec::new();
    for trash in [false, true] {
        matches.extend(
            store
                .list_workshops(&WorkshopFilter {
                    trash,
                    search: None,
                })?
                .into_iter()
                .filter(|w| {
                    w.workshop
                        .record
                        .title
                        .eq_ignore_ascii_case(reference.trim())
                }),
        );
    }
    match matches.as_slice() {
        [one] => Ok(one.workshop.record.id.clone()),
        [] => Err(StoreError::NotFound {
            entity: "workshop",
            id: reference.to_string(),
        }
        .into()),
        many => Err(Failure::Input(format!(
            "{} workshops are titled \"{reference}\"; use an id: {}",
            many.len(),
            many.iter()
                .map(|w| w.workshop.record.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn run(cli: Cli) -> Result<u8, Failure> {
    let db = match cli.db {
        Some(path) => path,
        None => wp_store::paths::default_db_path().ok_or_else(|| {
            Failure::Input("this platform has no data directory; pass --db PATH".into())
        })?,
    };
    let mut store = Store::open(&db)?;
    let json = cli.json;
    match cli.command {
        Command::Import { file } => {
            print::detail(&store.import_workshop(&read_input(&file)?)?, json)
        }
        Command::Create { title, idea } => {
            print::detail(&store.create_workshop(title.as_deref(), &idea)?, json)
        }
        Command::List { trash, search } => print::list(
            &store.list_workshops(&WorkshopFilter { trash, search })?,
            json,
        ),
        Command::Show { workshop } => {
            let id = resolve(&store, &workshop)?;
            print::detail(&store.workshop(&id)?, json)
        }
        Command::Rename { workshop, title } => {
            let id = resolve(&store, &workshop)?;
            store.rename_workshop(&id, &title)?;
            print::detail(&store.workshop(&id)?, json)
        }
        Command::Step(command) => step(&mut store, command, json)?,
        Command::Note(command) => note(&mut store, command, json)?,
        Command::Complete { workshop } => {
            let id = resolve(&store, &workshop)?;
            store.complete_workshop(&id)?;
            print::detail(&store.workshop(&id)?, json)
        }
        Command::Delete { workshop } => {
            let id = resolve(&store, &workshop)?;
            print::workshop_line("Moved to the trash", &store.delete_workshop(&id)?, json)
        }
        Command::Restore { workshop } => {
            let id = resolve(&store, &workshop)?;
            print::workshop_line("Restored", &store.restore_workshop(&id)?, json)
        }
        Command::BuildPack(BuildPackCommand::Generate { workshop }) => {
            let id = resolve(&store, &workshop)?;
            print::build_packs(&store.generate_build_packs(&id)?, json)
        }
        Command::BuildPack(BuildPackCommand::Export {
            workshop,
            format,
            out,
            kind,
            include_notes,
        }) => {
            let id = resolve(&store, &workshop)?;
            let request = ExportRequest {
                kind: BuildPackKind::parse(&kind)?,
                format: ExportFormat::parse(&format)?,
                out,
                include_notes,
            };
            print::exported(&store.export_build_pack(&id, &request)?, json)
        }
        Command::Members(command) => {
            let (workshop, change) = match command {
                MembersCommand::List { workshop } => (workshop, None),
                MembersCommand::Add {
                    workshop,
                    user,
                    role,
                } => (workshop, Some((user, Some(role)))),
                MembersCommand::Remove { workshop, user } => (workshop, Some((user, None))),
            };
            let id = resolve(&store, &workshop)?;
            match change {
                Some((user, Some(role))) => {
                    let role = match role {
                        ShareRole::Editor => wp_domain::Role::Editor,
                        ShareRole::Viewer => wp_domain::Role::Viewer,
                    };
                    store.share_workshop(&id, &user, role)?
                }
                Some((user, None)) => store.unshare_workshop(&id, &user)?,
                None => {}
            }
            print::members(&store.members(&id)?, json);
        }
        Command::Session(command) => schedule::session(&mut store, command, json)?,
        Command::Series(command) => schedule::series(&mut store, command, json)?,
        Command::Login { server, no_keyring } => {
            sync::login(&mut store, &server, no_keyring, json)?
        }
        Command::Logout => sync::logout(&store)?,
        Command::Conflicts(command) => sync::conflicts(&mut store, command, json)?,
        Command::Sync {
            command: None,
            allow_mass_delete,
            keep_deleted,
            watch,
        } => {
            let options = wp_sync::RoundOptions {
                allow_mass_delete,
                ..Default::default()
            };
            let code = sync::sync(&mut store, options, keep_deleted, json)?;
            if watch {
                return sync::watch(&mut store, options, json);
            }
            return Ok(code);
        }
        Command::Sync {
            command: Some(command),
            ..
        } => sync::command(&mut store, command, json)?,
    }
    Ok(0)
}

type StepOperation = fn(&mut Store, &str, &str) -> wp_store::Result<wp_store::WorkshopDetail>;

fn step(store: &mut Store, command: StepCommand, json: bool) -> Result<(), Failure> {
    let (args, operation): (StepArgs, StepOperation) = match command {
        StepCommand::Start(a) => (a, Store::start_step),
        StepCommand::Complete(a) => (a, Store::complete_step),
        StepCommand::Advance(a) => (a, Store::advance_step),
        StepCommand::Revise(a) => (a, Store::revise_step),
        StepCommand::SetOutput { step, file } => {
            let id = resolve(store, &step.workshop)?;
            let text = read_input(&file)?;
            let output: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                Failure::Input(format!("{} is not valid JSON: {e}", file.display()))
            })?;
            print::step_saved(&store.save_step_output(&id, &step.step, output)?, json);
            return Ok(());
        }
        StepCommand::Output(a) => {
            let id = resolve(store, &a.workshop)?;
            wp_domain::steps::find(&a.step).map_err(StoreError::from)?;
            let detail = store.workshop(&id)?;
            let output = detail
                .step(&a.step)
                .and_then(|s| s.record.output.clone())
                .unwrap_or(serde_json::Value::Null);
            println!(
                "{}",
                serde_json::to_string_pretty(&output).unwrap_or_default()
            );
            return Ok(());
        }
    };
    let id = resolve(store, &args.workshop)?;
    print::detail(&operation(store, &id, &args.step)?, json);
    Ok(())
}

fn note(store: &mut Store, command: NoteCommand, json: bool) -> Result<(), Failure> {
    match command {
        NoteCommand::Set {
            workshop,
            step,
            text,
            file,
        } => {
            let id = resolve(store, &workshop)?;
            let content = match (text, file) {
                (Some(text), _) => text,
                (None, Some(file)) => read_input(&file)?,
                (None, None) => read_input(&PathBuf::from("-"))?,
            };
            let note = store.set_note(&id, step.as_deref(), &content)?;
            print::note_saved(&note, json);
        }
        NoteCommand::Show { workshop, step } => {
            let id = resolve(store, &workshop)?;
            print::note(store.note(&id, step.as_deref())?.as_ref(), json);
        }
    }
    Ok(())
}
