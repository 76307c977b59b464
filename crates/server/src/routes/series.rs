//! Series and sessions (docs/series.md, "Server API"): create and list series; list,
//! create and cancel a workshop's sessions. Every change is a scheduling mutation run
//! through the one write path; every read names the caller: the workshops they may read by
//! the access view `workshop_roles` (migration 0006), trashed ones left out.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json as Jsonb;
use wp_domain::ids::{new_id, IdKind};
use wp_domain::mutation::{schedule_of, SeriesForm, SessionForm};
use wp_domain::series::RuleForm;
use wp_domain::{Change, Mutation, SeriesRecord, SessionRecord};

use super::mutate::run;
use crate::auth::User;
use crate::body::JsonBody;
use crate::rows::select::select_sessions;
use crate::rows::{SeriesRow, SessionRow};
use crate::{ApiError, AppState};

fn not_found() -> ApiError {
    ApiError::not_found("Workshop not found")
}

/// `POST /api/series` body: the workshop, an optional client id, and the series form.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSeries {
    workshop_id: String,
    /// `ser_...`; the server makes one when absent.
    id: Option<String>,
    #[serde(flatten)]
    form: SeriesForm,
}

/// A series and the occurrences it has now.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesCreated {
    series: SeriesRecord,
    sessions: Vec<SessionRecord>,
}

/// `POST /api/series` (an editor of the workshop) → 201 `{series, sessions}`: the series and
/// its occurrences for the next 90 days. 400 names the field (`count`, `startDate`,
/// `timezone`, `title`, ...); 404 for a workshop the caller may not schedule in.
pub async fn create(
    State(state): State<AppState>,
    user: User,
    JsonBody(body): JsonBody<CreateSeries>,
) -> Result<(StatusCode, Json<SeriesCreated>), ApiError> {
    let mutation = Mutation::CreateSeries {
        series_id: body.id.unwrap_or_else(|| new_id(IdKind::Series)),
        workshop_id: body.workshop_id,
        series: body.form,
        at: Utc::now(),
    };
    let changes = run(&state, &user, &mutation, not_found).await?;
    let mut series = None;
    let mut sessions = Vec::new();
    for change in changes {
        match change {
            Change::Series(s) => series = Some(s),
            Change::Session(s) => sessions.push(s),
            _ => {}
        }
    }
    let series = series.ok_or_else(|| ApiError::field("id", "a series with this id exists"))?;
    Ok((
        StatusCode::CREATED,
        Json(SeriesCreated { series, sessions }),
    ))
}

/// `GET /api/series` query: `host` (a user id, or `me`) and `workshopId`, both optional.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListQuery {
    host: Option<String>,
    workshop_id: Option<String>,
}

/// One listed series.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedSeries {
    #[serde(flatten)]
    series: SeriesRecord,
    /// The workshop's owner, who hosts its sessions.
    host_id: String,
    /// "every 2 weeks on Monday at 19:00 (New York time)".
    description_text: String,
    /// How many sessions (occurrences) it has now, cancelled ones included: the original
    /// API's "workshop count".
    workshop_count: i64,
    /// The next scheduled occurrence's instant.
    next_occurrence: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
pub struct SeriesList {
    series: Vec<ListedSeries>,
}

/// `GET /api/series?host=&workshopId=` → 200 `{series: [...]}`: the series of workshops the
/// caller may read, newest first, optionally only those hosted by `host` (`me` for the
/// caller) or of one workshop.
pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(query): Query<ListQuery>,
) -> Result<Json<SeriesList>, ApiError> {
    let host = query
        .host
        .map(|h| if h == "me" { user.id.clone() } else { h });
    let rows = sqlx::query!(
        r#"SELECT s.id, s.workshop_id, s.title, s.description, s.rule AS "rule: Jsonb<RuleForm>",
                s.rrule, s.start_date, s.time_of_day, s.timezone, s.duration_minutes, s.is_active,
                s.is_private, s.created_at, s.updated_at, s.rev, w.owner_id AS host_id,
                (SELECT count(*) FROM sessions o WHERE o.series_id = s.id) AS "workshop_count!",
                (SELECT min(o.scheduled_at) FROM sessions o WHERE o.series_id = s.id
                   AND o.status = 'scheduled' AND o.scheduled_at >= now()) AS next_occurrence
         FROM series s JOIN workshops w ON w.id = s.workshop_id
         WHERE w.deleted_at IS NULL
           AND EXISTS (SELECT 1 FROM workshop_roles r WHERE r.workshop_id = w.id AND r.user_id = $1)
           AND ($2::text IS NULL OR w.owner_id = $2) AND ($3::text IS NULL OR s.workshop_id = $3)
         ORDER BY s.created_at DESC, s.id"#,
        user.id,
        host,
        query.workshop_id
    )
    .fetch_all(&state.pool)
    .await?;
    let series = rows
        .into_iter()
        .map(|r| {
            let series = SeriesRow {
                id: r.id,
                workshop_id: r.workshop_id,
                title: r.title,
                description: r.description,
                rule: r.rule,
                rrule: r.rrule,
                start_date: r.start_date,
                time_of_day: r.time_of_day,
                timezone: r.timezone,
                duration_minutes: r.duration_minutes,
                is_active: r.is_active,
                is_private: r.is_private,
                created_at: r.created_at,
                updated_at: r.updated_at,
                rev: r.rev,
                version: None,
            }
            .record()?;
            let description_text = schedule_of(&series)
                .map(|s| s.describe())
                .unwrap_or_default();
            Ok(ListedSeries {
                series,
                host_id: r.host_id,
                description_text,
                workshop_count: r.workshop_count,
                next_occurrence: r.next_occurrence,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(SeriesList { series }))
}

/// The sessions the caller may read (the access view; trashed workshops left out), of one
/// workshop or the one with an id, by time.
async fn sessions(
    state: &AppState,
    user: &User,
    workshop_id: Option<&str>,
    session_id: Option<&str>,
) -> Result<Vec<SessionRow>, ApiError> {
    Ok(select_sessions!(
        "JOIN workshops w ON w.id = o.workshop_id
         WHERE ($2::text IS NULL OR o.workshop_id = $2) AND ($3::text IS NULL OR o.id = $3)
           AND w.deleted_at IS NULL
           AND EXISTS (SELECT 1 FROM workshop_roles a WHERE a.workshop_id = w.id AND a.user_id = $1)
         ORDER BY o.scheduled_at, o.id",
        user.id,
        workshop_id,
        session_id
    )
    .fetch_all(&state.pool)
    .await?)
}

#[derive(Serialize)]
pub struct SessionList {
    sessions: Vec<SessionRecord>,
}

/// `GET /api/workshops/{id}/sessions` (any reader) → 200 `{sessions}` by time.
pub async fn list_sessions(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Result<Json<SessionList>, ApiError> {
    let rows = sessions(&state, &user, Some(&id), None).await?;
    let sessions = rows
        .into_iter()
        .map(SessionRow::record)
        .collect::<Result<_, _>>()?;
    Ok(Json(SessionList { sessions }))
}

#[derive(Serialize)]
pub struct OneSession {
    session: SessionRecord,
}

fn the_session(changes: Vec<Change>) -> Option<SessionRecord> {
    changes.into_iter().find_map(|c| match c {
        Change::Session(s) => Some(s),
        _ => None,
    })
}

/// `POST /api/workshops/{id}/sessions` body: an optional client id and the session form.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSession {
    /// `ses_...`; the server makes one when absent.
    id: Option<String>,
    #[serde(flatten)]
    form: SessionForm,
}

/// `POST /api/workshops/{id}/sessions` (an editor) body [`SessionForm`] plus an optional
/// `id` → 201 `{session}`; 400 names the field.
pub async fn create_session(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CreateSession>,
) -> Result<(StatusCode, Json<OneSession>), ApiError> {
    let mutation = Mutation::CreateSession {
        session_id: body.id.unwrap_or_else(|| new_id(IdKind::Session)),
        workshop_id: id,
        session: body.form,
        at: Utc::now(),
    };
    let changes = run(&state, &user, &mutation, not_found).await?;
    let session = the_session(changes)
        .ok_or_else(|| ApiError::field("id", "a session with this id exists"))?;
    Ok((StatusCode::CREATED, Json(OneSession { session })))
}

/// `POST /api/workshops/{id}/sessions/{sessionId}/cancel` (an editor) → 200 `{session}`;
/// cancelling a cancelled session changes nothing (200); a live or ended one is 400.
pub async fn cancel_session(
    State(state): State<AppState>,
    user: User,
    Path((id, session_id)): Path<(String, String)>,
) -> Result<Json<OneSession>, ApiError> {
    let mutation = Mutation::CancelSession {
        session_id: session_id.clone(),
        workshop_id: id.clone(),
        at: Utc::now(),
    };
    run(&state, &user, &mutation, not_found).await?;
    let row = sessions(&state, &user, None, Some(&session_id))
        .await?
        .pop();
    let session = row
        .ok_or_else(|| ApiError::not_found("Session not found"))?
        .record()?;
    Ok(Json(OneSession { session }))
}
