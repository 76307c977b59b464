//! Rows as the API returns them (camelCase JSON), and shared queries.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::{PgConnection, Postgres, Transaction};
use wp_domain::progress::StepState;
use wp_domain::StepStatus;

use sqlx::AssertSqlSafe;

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

pub const WORKSHOP_COLUMNS: &str =
    "w.id, w.owner_id, w.title, w.original_idea, w.status, w.visibility, w.created_at, w.updated_at, w.rev";

#[derive(Debug, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct StepRow {
    pub id: String,
    pub step_id: String,
    pub order: i32,
    pub name: String,
    pub status: String,
    pub output: Option<sqlx::types::Json<Value>>,
    pub summary: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub rev: i64,
}

impl StepRow {
    pub fn state(&self) -> Result<StepState, ApiError> {
        Ok(StepState {
            step_id: self.step_id.clone(),
            status: StepStatus::parse(&self.status)
                .ok_or_else(|| ApiError::internal(format!("bad status {}", self.status)))?,
            started_at: self.started_at,
            completed_at: self.completed_at,
            has_output: self.output.is_some(),
        })
    }
}

/// A workshop's steps in order; `lock` takes row locks for the rest of the transaction.
pub async fn steps(
    conn: &mut PgConnection,
    workshop_id: &str,
    lock: bool,
) -> Result<Vec<StepRow>, ApiError> {
    let sql = format!(
        "SELECT s.id, s.step_id, d.position AS \"order\", d.name, s.status, s.output, s.summary, s.started_at,
                s.completed_at, s.updated_at, s.rev
         FROM workshop_steps s JOIN step_definitions d ON d.id = s.step_id
         WHERE s.workshop_id = $1 ORDER BY d.position{}",
        if lock { " FOR UPDATE OF s" } else { "" }
    );
    Ok(sqlx::query_as::<_, StepRow>(AssertSqlSafe(sql))
        .bind(workshop_id)
        .fetch_all(conn)
        .await?)
}

/// Writes the step states a progress rule changed.
pub async fn write_states(
    tx: &mut Transaction<'_, Postgres>,
    rows: &[StepRow],
    states: &[StepState],
    changed: &[usize],
) -> Result<(), ApiError> {
    for &i in changed {
        let state = &states[i];
        sqlx::query(
            "UPDATE workshop_steps SET status = $2, started_at = $3, completed_at = $4, updated_at = now(), rev = rev + 1
             WHERE id = $1",
        )
        .bind(&rows[i].id)
        .bind(state.status.as_str())
        .bind(state.started_at)
        .bind(state.completed_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
