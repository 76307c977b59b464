//! Build packs: list a workshop's stored documents; store one (what the desktop app syncs).

use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wp_domain::ids::{new_id, IdKind};

use super::bodies::{BuildPackBody, BuildPacksBody};
use crate::auth::User;
use crate::body::JsonBody;
use crate::{ApiError, AppState};

const KINDS: &[&str] = &["pack", "prd", "validation-plan", "workshop-summary"];
const FORMATS: &[&str] = &["markdown", "html", "json"];
/// Largest stored document: 512 KiB of text.
const CONTENT_MAX_BYTES: usize = 512 * 1024;

#[derive(Serialize)]
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
    // Any role may read the workshop (the access view); a trashed one is not found.
    let readable = sqlx::query_scalar!(
        r#"SELECT 1 AS "one!" FROM workshops w
         WHERE w.id = $1 AND w.deleted_at IS NULL
           AND EXISTS (SELECT 1 FROM workshop_roles r WHERE r.workshop_id = w.id AND r.user_id = $2)"#,
        id,
        user.id
    )
    .fetch_optional(&state.pool)
    .await?;
    if readable.is_none() {
        return Err(ApiError::not_found("Workshop not found"));
    }
    let rows = sqlx::query_as!(
        Listed,
        r#"SELECT id, kind, format, title, octet_length(content) AS "bytes!", created_at, updated_at
         FROM build_packs WHERE workshop_id = $1 ORDER BY kind, format"#,
        id
    )
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
    // The owner or an editor may store one (the access view); not in a trashed workshop.
    let row = sqlx::query_as!(
        Listed,
        r#"INSERT INTO build_packs (id, workshop_id, kind, format, title, content)
         SELECT $3, w.id, $4, $5, $6, $7 FROM workshops w
         WHERE w.id = $1 AND w.deleted_at IS NULL
           AND EXISTS (SELECT 1 FROM workshop_roles r WHERE r.workshop_id = w.id
                       AND r.user_id = $2 AND r.role IN ('owner', 'editor'))
         ON CONFLICT (workshop_id, kind, format) DO UPDATE
           SET title = excluded.title, content = excluded.content, updated_at = now()
         RETURNING id, kind, format, title, octet_length(content) AS "bytes!", created_at, updated_at"#,
        id,
        user.id,
        new_id(IdKind::BuildPack),
        kind,
        format,
        body.title.trim(),
        body.content
    )
    .fetch_optional(&state.pool)
    .await?;
    Ok(Json(BuildPackBody {
        build_pack: row.ok_or_else(|| ApiError::not_found("Workshop not found"))?,
    }))
}
