//! The Tauri commands: each one calls the store and returns its result. Errors arrive in
//! the UI as [`AppError`] `{code, message, fields}`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tauri::{AppHandle, State};
use ts_rs::TS;
use wp_domain::schema::{self, StepSchema};
use wp_domain::Role;
use wp_store::{
    BuildPackKind, ExportFormat, ExportRequest, Exported, Member, Note, Workshop, WorkshopDetail,
    WorkshopFilter, WorkshopStep, WorkshopSummary,
};

use crate::error::{AppError, ErrorCode};
use crate::state::AppState;

type Result<T> = std::result::Result<T, AppError>;

/// Every command, for the invoke handler (`command_list.rs` checks it against build.rs, the
/// capability and the UI).
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        app_info,
        step_schemas,
        list_workshops,
        create_workshop,
        import_workshop,
        open_sample,
        get_workshop,
        rename_workshop,
        delete_workshop,
        restore_workshop,
        start_step,
        complete_step,
        advance_step,
        revise_step,
        save_step_output,
        complete_workshop,
        get_note,
        save_note,
        build_pack_preview,
        export_build_pack,
        ui_painted,
        list_members,
        share_workshop,
        unshare_workshop,
        crate::sync::find_people,
        crate::sync::sync_status,
        crate::sync::sync_now,
        crate::sync::sign_in,
        crate::sync::sign_out,
        crate::sync::list_conflicts,
        crate::sync::resolve_conflict,
        crate::sync::reopen_conflict,
        crate::sync::list_rejections,
        crate::sync::dismiss_rejection,
        crate::sync::resend_rejection,
        crate::sync::decide_held_deletes,
        crate::schedule::get_schedule,
        crate::schedule::agenda,
        crate::schedule::preview_series,
        crate::schedule::time_zones,
        crate::schedule::create_session,
        crate::schedule::update_session,
        crate::schedule::cancel_session,
        crate::schedule::restore_session,
        crate::schedule::create_series,
        crate::schedule::cancel_series,
        crate::schedule::revise_series,
        crate::schedule::export_calendar,
    ]
}

/// What the app knows about itself, for the About line and for a store that failed to open.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub db_path: Option<String>,
    /// Why the database could not be opened; the UI shows it instead of the workshops.
    pub open_error: Option<AppError>,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        db_path: state.db_path.as_ref().map(|p| p.display().to_string()),
        open_error: state.open_error().cloned(),
    }
}

#[tauri::command]
pub fn step_schemas() -> Vec<StepSchema> {
    schema::all()
}

#[tauri::command]
pub async fn list_workshops(
    state: State<'_, AppState>,
    trash: bool,
    search: Option<String>,
) -> Result<Vec<WorkshopSummary>> {
    state.with_store(|s| s.list_workshops(&WorkshopFilter { trash, search }))
}

#[tauri::command]
pub async fn create_workshop(
    state: State<'_, AppState>,
    title: Option<String>,
) -> Result<WorkshopDetail> {
    state.change(|s| s.create_workshop(title.as_deref(), ""))
}

/// Asks for a workshop file (native dialog) and imports it; `None` when cancelled.
#[tauri::command]
pub async fn import_workshop(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<WorkshopDetail>> {
    let Some(path) = state.files.open_workshop(&app).await else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        AppError::new(
            ErrorCode::InvalidInput,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    state.change(|s| s.import_workshop(&text)).map(Some)
}

/// The sample workshop a first run offers: PawPal, a real ten-step workshop
/// (`tests/fixtures/pawpal.workshop.json`, built into the app).
const SAMPLE_WORKSHOP: &str = include_str!("../../tests/fixtures/pawpal.workshop.json");

/// Imports a copy of the sample workshop ([`SAMPLE_WORKSHOP`]), to look around in.
#[tauri::command]
pub async fn open_sample(state: State<'_, AppState>) -> Result<WorkshopDetail> {
    state.change(|s| s.import_workshop(SAMPLE_WORKSHOP))
}

#[tauri::command]
pub async fn get_workshop(state: State<'_, AppState>, id: String) -> Result<WorkshopDetail> {
    state.with_store(|s| s.workshop(&id))
}

#[tauri::command]
pub async fn rename_workshop(
    state: State<'_, AppState>,
    id: String,
    title: String,
) -> Result<Workshop> {
    state.change(|s| s.rename_workshop(&id, &title))
}

#[tauri::command]
pub async fn delete_workshop(state: State<'_, AppState>, id: String) -> Result<Workshop> {
    state.change(|s| s.delete_workshop(&id))
}

#[tauri::command]
pub async fn restore_workshop(state: State<'_, AppState>, id: String) -> Result<Workshop> {
    state.change(|s| s.restore_workshop(&id))
}

#[tauri::command]
pub async fn start_step(
    state: State<'_, AppState>,
    id: String,
    step: String,
) -> Result<WorkshopDetail> {
    state.change(|s| s.start_step(&id, &step))
}

#[tauri::command]
pub async fn complete_step(
    state: State<'_, AppState>,
    id: String,
    step: String,
) -> Result<WorkshopDetail> {
    state.change(|s| s.complete_step(&id, &step))
}

#[tauri::command]
pub async fn advance_step(
    state: State<'_, AppState>,
    id: String,
    step: String,
) -> Result<WorkshopDetail> {
    state.change(|s| s.advance_step(&id, &step))
}

#[tauri::command]
pub async fn revise_step(
    state: State<'_, AppState>,
    id: String,
    step: String,
) -> Result<WorkshopDetail> {
    state.change(|s| s.revise_step(&id, &step))
}

/// What an editor's change was made from: the output it showed when the user began
/// (`null`: the step had no output yet).
#[derive(Debug, Deserialize, TS)]
pub struct StartedFrom {
    pub output: Option<Value>,
}

/// Saves a step's output. With `started_from`, a partner's change that arrived while the
/// form was open is merged by field, not overwritten ([`wp_store::Store::save_step_output_from`]).
#[tauri::command]
pub async fn save_step_output(
    state: State<'_, AppState>,
    id: String,
    step: String,
    output: Value,
    started_from: Option<StartedFrom>,
) -> Result<WorkshopStep> {
    state.change(|s| match started_from {
        Some(from) => s.save_step_output_from(&id, &step, output, from.output),
        None => s.save_step_output(&id, &step, output),
    })
}

#[tauri::command]
pub async fn complete_workshop(state: State<'_, AppState>, id: String) -> Result<Workshop> {
    state.change(|s| s.complete_workshop(&id))
}

#[tauri::command]
pub async fn get_note(
    state: State<'_, AppState>,
    id: String,
    step: Option<String>,
) -> Result<Option<Note>> {
    state.with_store(|s| s.note(&id, step.as_deref()))
}

/// Saves a note whole. `Ok` means committed to disk: only then may the UI say "Saved".
#[tauri::command]
pub async fn save_note(
    state: State<'_, AppState>,
    id: String,
    step: Option<String>,
    content: String,
    started_from: Option<String>,
) -> Result<Note> {
    state.change(|s| match &started_from {
        Some(from) => s.set_note_from(&id, step.as_deref(), &content, from),
        None => s.set_note(&id, step.as_deref(), &content),
    })
}

/// Everyone with access to a workshop, the owner first.
#[tauri::command]
pub async fn list_members(state: State<'_, AppState>, id: String) -> Result<Vec<Member>> {
    state.with_store(|s| s.members(&id))
}

/// Shares a workshop with a user (their `usr_...` id) as editor or viewer, or changes their
/// role. Owner only; synced as an `addMember` mutation.
#[tauri::command]
pub async fn share_workshop(
    state: State<'_, AppState>,
    id: String,
    user_id: String,
    role: Role,
) -> Result<Vec<Member>> {
    state.change(|s| {
        s.share_workshop(&id, &user_id, role)?;
        s.members(&id)
    })
}

/// Takes a user's access to a workshop away (owner only); synced as `removeMember`, their
/// devices drop their copy at their next sync.
#[tauri::command]
pub async fn unshare_workshop(
    state: State<'_, AppState>,
    id: String,
    user_id: String,
) -> Result<Vec<Member>> {
    state.change(|s| {
        s.unshare_workshop(&id, &user_id)?;
        s.members(&id)
    })
}

/// A build pack rendered for the preview pane: sanitized HTML and the documents it has.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BuildPackPreview {
    pub title: String,
    /// Sanitized HTML (`<article>` per document), safe to insert into the page.
    pub html: String,
    /// The kinds that can be exported: `pack` and each document.
    pub kinds: Vec<String>,
}

#[tauri::command]
pub async fn build_pack_preview(
    state: State<'_, AppState>,
    id: String,
) -> Result<BuildPackPreview> {
    let pack = state.with_store(|s| s.build_pack(&id, false))?;
    Ok(BuildPackPreview {
        title: pack.title(),
        html: pack.html_preview(BuildPackKind::Pack)?,
        kinds: pack
            .kinds()
            .iter()
            .map(|k| k.as_str().to_string())
            .collect(),
    })
}

/// Asks where to save (native dialog), then generates, stores and writes the build pack.
/// `None` when the person cancels. `format` is md, html or json; `kind` is pack, prd,
/// validation-plan or workshop-summary.
#[tauri::command]
pub async fn export_build_pack(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    format: String,
    kind: String,
    include_notes: bool,
) -> Result<Option<Exported>> {
    let (format, kind) = (ExportFormat::parse(&format)?, BuildPackKind::parse(&kind)?);
    let file_name = state.with_store(|s| -> wp_store::Result<String> {
        Ok(s.build_pack(&id, include_notes)?
            .render(kind, format)?
            .file_name())
    })?;
    let Some(out) = state
        .files
        .save_as(
            &app,
            "Export the build pack",
            &file_name,
            format.extension(),
        )
        .await
    else {
        return Ok(None);
    };
    state
        .with_store(|s| {
            s.export_build_pack(
                &id,
                &ExportRequest {
                    kind,
                    format,
                    out,
                    include_notes,
                },
            )
        })
        .map(Some)
}

/// Called by the UI once the workshop list has been painted. With
/// `WORKSHOPPILOT_REPORT_PAINT=1` it prints a line the start-up benchmark waits for.
#[tauri::command]
pub fn ui_painted(workshops: usize) {
    if std::env::var_os("WORKSHOPPILOT_REPORT_PAINT").is_some() {
        println!("WORKSHOPPILOT_PAINTED workshops={workshops}");
    }
}
