// The app's commands are listed here so that tauri-build generates an `allow-<command>`
// permission for each; capabilities/default.json grants the ones the UI uses, and no
// command is callable without a grant. `src-tauri/src/command_list.rs` checks this list
// against the handler, the capability and the UI.
const COMMANDS: &[&str] = &[
    "app_info",
    "step_schemas",
    "list_workshops",
    "create_workshop",
    "import_workshop",
    "open_sample",
    "get_workshop",
    "rename_workshop",
    "delete_workshop",
    "restore_workshop",
    "start_step",
    "complete_step",
    "advance_step",
    "revise_step",
    "save_step_output",
    "complete_workshop",
    "get_note",
    "save_note",
    "build_pack_preview",
    "export_build_pack",
    "ui_painted",
    "list_members",
    "share_workshop",
    "unshare_workshop",
    "find_people",
    "sync_status",
    "sync_now",
    "sign_in",
    "sign_out",
    "list_conflicts",
    "resolve_conflict",
    "reopen_conflict",
    "list_rejections",
    "dismiss_rejection",
    "resend_rejection",
    "decide_held_deletes",
    "get_schedule",
    "agenda",
    "preview_series",
    "time_zones",
    "create_session",
    "update_session",
    "cancel_session",
    "restore_session",
    "create_series",
    "cancel_series",
    "revise_series",
    "export_calendar",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
