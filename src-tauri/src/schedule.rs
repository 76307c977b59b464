//! The scheduling commands: a workshop's Schedule tab, the Agenda, the series form's live
//! preview, and the changes (each one store call, synced as a scheduling mutation). Listing
//! a schedule or the Agenda first makes the occurrences the rolling horizon asks for, offline.

use tauri::{AppHandle, State};
use wp_domain::mutation::{SeriesForm, SessionForm};
use wp_store::{AgendaItem, CalendarTarget, Exported, SeriesPreview, WorkshopSchedule};

use crate::error::AppError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, AppError>;

/// How many sessions the Agenda lists: 200.
pub const AGENDA_LIMIT: u32 = 200;

/// Rolls the horizon forward, then reads; background sync is nudged only when sessions
/// were made (opening a tab must not cost a sync round).
fn rolled<T>(
    state: &AppState,
    read: impl FnOnce(&wp_store::Store) -> wp_store::Result<T>,
) -> Result<T> {
    let (made, value) = state.with_store(|s| -> wp_store::Result<_> {
        let made = s.roll_series()?;
        Ok((made, read(s)?))
    })?;
    if made > 0 {
        state.nudge();
    }
    Ok(value)
}

/// A workshop's series and sessions, after rolling the horizon forward.
#[tauri::command]
pub async fn get_schedule(state: State<'_, AppState>, id: String) -> Result<WorkshopSchedule> {
    rolled(&state, |s| s.schedule(&id))
}

/// Upcoming sessions across workshops, after rolling the horizon forward.
#[tauri::command]
pub async fn agenda(state: State<'_, AppState>) -> Result<Vec<AgendaItem>> {
    rolled(&state, |s| s.agenda(AGENDA_LIMIT))
}

/// The series form's preview: the rule in words, the RRULE and the next occurrences; an
/// `invalid_input` error naming the field while the form is not yet valid.
#[tauri::command]
pub fn preview_series(state: State<'_, AppState>, form: SeriesForm) -> Result<SeriesPreview> {
    state.with_store(|s| wp_store::preview_series(&form, s.now()))
}

/// The IANA time zones the app knows (chrono-tz), for the series form.
#[tauri::command]
pub fn time_zones() -> Vec<&'static str> {
    wp_domain::series::zone_names()
}

#[tauri::command]
pub async fn create_session(
    state: State<'_, AppState>,
    id: String,
    form: SessionForm,
) -> Result<WorkshopSchedule> {
    state.change(|s| {
        s.create_session(&id, form)?;
        s.schedule(&id)
    })
}

/// Changes a scheduled session (an occurrence then stands apart from its rule, and its
/// calendar file carries it with RECURRENCE-ID).
#[tauri::command]
pub async fn update_session(
    state: State<'_, AppState>,
    id: String,
    session_id: String,
    form: SessionForm,
) -> Result<WorkshopSchedule> {
    state.change(|s| {
        s.update_session(&id, &session_id, form)?;
        s.schedule(&id)
    })
}

#[tauri::command]
pub async fn cancel_session(
    state: State<'_, AppState>,
    id: String,
    session_id: String,
) -> Result<WorkshopSchedule> {
    state.change(|s| {
        s.cancel_session(&id, &session_id)?;
        s.schedule(&id)
    })
}

/// Takes back a session's cancellation (the undo of `cancel_session`).
#[tauri::command]
pub async fn restore_session(
    state: State<'_, AppState>,
    id: String,
    session_id: String,
) -> Result<WorkshopSchedule> {
    state.change(|s| {
        s.restore_session(&id, &session_id)?;
        s.schedule(&id)
    })
}

#[tauri::command]
pub async fn create_series(
    state: State<'_, AppState>,
    id: String,
    form: SeriesForm,
) -> Result<WorkshopSchedule> {
    state.change(|s| {
        s.create_series(&id, form)?;
        s.schedule(&id)
    })
}

/// Cancels an occurrence and all that follow (`from_session_id`), or the whole series from
/// now on (`None`).
#[tauri::command]
pub async fn cancel_series(
    state: State<'_, AppState>,
    id: String,
    series_id: String,
    from_session_id: Option<String>,
) -> Result<WorkshopSchedule> {
    state.change(|s| {
        s.cancel_series(&id, &series_id, from_session_id.as_deref())?;
        s.schedule(&id)
    })
}

/// Changes a series by splitting it: the past stays, the new part is a new series.
#[tauri::command]
pub async fn revise_series(
    state: State<'_, AppState>,
    id: String,
    series_id: String,
    form: SeriesForm,
) -> Result<WorkshopSchedule> {
    state.change(|s| {
        s.revise_series(&id, &series_id, form)?;
        s.schedule(&id)
    })
}

/// Asks where to save (native dialog), then writes the calendar file (`.ics`) of a series
/// (`series_id`) or a single session (`session_id`) atomically. `None` when the person
/// cancels.
#[tauri::command]
pub async fn export_calendar(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    series_id: Option<String>,
    session_id: Option<String>,
) -> Result<Option<Exported>> {
    let target = match (series_id, session_id) {
        (Some(series), _) => CalendarTarget::Series(series),
        (None, Some(session)) => CalendarTarget::Session(session),
        (None, None) => {
            return Err(
                wp_store::StoreError::Domain(wp_domain::DomainError::argument(
                    "seriesId",
                    "name a series or a session to export",
                ))
                .into(),
            )
        }
    };
    let (file_name, _) = state.with_store(|s| s.calendar(&id, &target))?;
    let Some(out) = state
        .files
        .save_as(&app, "Export to a calendar", &file_name, "ics")
        .await
    else {
        return Ok(None);
    };
    state
        .with_store(|s| s.export_calendar(&id, &target, &out))
        .map(Some)
}
