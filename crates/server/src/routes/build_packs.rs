//! Build packs: list a workshop's stored documents; store one (what the desktop app syncs).

use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wp_domain::ids::{new_id, IdKind};

use sqlx::AssertSqlSafe;

use super::bodies::{BuildPackBody, BuildPacksBody};
use crate::access::{CAN_EDIT, CAN_READ};
use crate::auth::User;
use crate::body::JsonBody;
use crate::{ApiError, AppState};

const KINDS: &[&str] = &["pack", "prd", "validation-plan", "workshop-summary"];
const FORMATS: &[&str] = &["markdown", "html", "json"];
/// Largest stored document: 512 KiB of text.
const CONTENT_MAX_BYTES: usize = 512 * 1024;

#[derive(Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Listed {
    id: String,
    kind: String,
    format: String,
    title: String,
    bytes: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// `GET /api/workshops/{id}/build-packs` → 200 `{"buildPacks": [{id, kind, format, title, bytes, createdAt, updatedAt}]}`.
pub async fn list(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Result<Json<BuildPacksBody<Listed>>, ApiError> {
    let sql = format!("SELECT 1 FROM workshops w WHERE {CAN_READ}");
    if sqlx::query_scalar::<_, i32>(AssertSqlSafe(sql))
        .bind(&id)
        .bind(&user.id)
        .fetch_optional(&state.pool)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("Workshop not found"));
    }
    let rows: Vec<Listed> = sqlx::query_as(
        "SELECT id, kind, format, title, octet_length(content) AS bytes, created_at, updated_at
         FROM build_packs WHERE workshop_id = $1 ORDER BY kind, format",
    )
    .bind(&id)
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(BuildPacksBody { build_packs: rows }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PutBuildPack {
    title: String,
    content: String,
}

/// `PUT /api/workshops/{id}/build-packs/{kind}/{format}` `{title, content}` → 200 `{"buildPack"}`.
pub async fn put(
    State(state): State<AppState>,
    user: User,
    Path((id, kind, format)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<PutBuildPack>,
) -> Result<Json<BuildPackBody<Listed>>, ApiError> {
    if !KINDS.contains(&kind.as_str()) {
        return Err(ApiError::field(
            "kind",
            format!("kind must be one of {}", KINDS.join(", ")),
        ));
    }
    if !FORMATS.contains(&format.as_str()) {
        return Err(ApiError::field(
            "format",
            format!("format must be one of {}", FORMATS.join(", ")),
        ));
    }
    if body.title.trim().is_empty() || body.title.chars().count() > 200 {
        return Err(ApiError::field(
            "title",
            "title must be 1 to 200 characters",
        ));
    }
    if body.content.len() > CONTENT_MAX_BYTES {
        return Err(ApiError::field(
            "content",
            format!("content must be at most {CONTENT_MAX_BYTES} bytes"),
        ));
    }
    let sql = format!(
        "INSERT INTO build_packs (id, workshop_id, kind, format, title, content)
         SELECT $3, w.id, $4, $5, $6, $7 FROM workshops w WHERE {CAN_EDIT}
         ON CONFLICT (workshop_id, kind, format) DO UPDATE SET title = excluded.title, content = excluded.content, updated_at = now()
         RETURNING id, kind, format, title, octet_length(content) AS bytes, created_at, updated_at"
    );
    let row: Option<Listed> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(&id)
        .bind(&user.id)
        .bind(new_id(IdKind::BuildPack))
        .bind(&kind)
        .bind(&format)
        .bind(body.title.trim())
        .bind(&body.content)
        .fetch_optional(&state.pool)
        .await?;
    Ok(Json(BuildPackBody {
        build_pack: row.ok_or_else(|| ApiError::not_found("Workshop not found"))?,
    }))
}
