//! Rows as the API returns them (camelCase JSON), and shared queries.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use sqlx::types::Json;
use sqlx::PgConnection;

use crate::ApiError;

#[derive(Debug, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct WorkshopRow {
    pub id: String,
    pub owner_id: String,
    pub title: String,
    pub original_idea: String,
    pub status: String,
    pub visibility: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub rev: i64,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct StepRow {
    pub id: String,
    pub step_id: String,
    pub order: i32,
    pub name: String,
    pub status: String,
    /// The output as PostgreSQL returns it, copied into the response as JSON text: parsing
    /// it into a tree only to write it out again was most of a GET's own CPU (BENCHMARKS.md,
    /// "Server").
    pub output: Option<Json<Box<RawValue>>>,
    pub summary: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub rev: i64,
}

/// A workshop's steps in order (of `step_definitions.position`).
pub async fn steps(conn: &mut PgConnection, workshop_id: &str) -> Result<Vec<StepRow>, ApiError> {
    Ok(sqlx::query_as!(
        StepRow,
        r#"SELECT s.id, s.step_id, d.position AS "order", d.name, s.status,
                s.output AS "output: Json<Box<RawValue>>", s.summary, s.started_at,
                s.completed_at, s.updated_at, s.rev
         FROM workshop_steps s JOIN step_definitions d ON d.id = s.step_id
         WHERE s.workshop_id = $1 ORDER BY d.position"#,
        workshop_id
    )
    .fetch_all(conn)
    .await?)
}
