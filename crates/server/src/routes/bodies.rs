//! The REST response bodies, typed: what each route answers, as `reference/server-api.md`
//! shapes it (camelCase, except the original's `updated_at` on a note). The REST snapshot
//! (`crates/server/tests/snapshot.rs`) holds them to what clients have seen.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::rows::{StepRow, WorkshopRow};

/// `{"success": true}`: a workshop moved to the trash.
#[derive(Debug, Serialize)]
pub struct Success {
    pub success: bool,
}

/// `{"success": true, "status": "completed"}`: a workshop completed (or already so).
#[derive(Debug, Serialize)]
pub struct Completed {
    pub success: bool,
    pub status: &'static str,
}

/// `{"status": "ok", "database": "ok"}`: `GET /health`.
#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
}

/// A workshop with its ten steps in order: `{"workshop": {..., "steps": [...]}}`.
#[derive(Debug, Serialize)]
pub struct WorkshopBody {
    pub workshop: WorkshopWithSteps,
}

/// A workshop row and its steps.
#[derive(Debug, Serialize)]
pub struct WorkshopWithSteps {
    #[serde(flatten)]
    pub workshop: WorkshopRow,
    pub steps: Vec<StepRow>,
}

/// `{"workshops": [...]}`, each with its count of complete steps.
#[derive(Debug, Serialize)]
pub struct WorkshopsBody<T: Serialize> {
    pub workshops: Vec<T>,
}

/// `{"member": {"userId", "role"}}`: a share made.
#[derive(Debug, Serialize)]
pub struct MemberBody {
    pub member: MemberOut,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberOut {
    pub user_id: String,
    pub role: &'static str,
}

/// `{"note": {"content", "updated_at"}}`, or `{"note": null}` when none was saved.
#[derive(Debug, Serialize)]
pub struct NoteBody {
    pub note: Option<NoteOut>,
}

/// A note as the original API gave it (`updated_at`, not camelCase).
#[derive(Debug, Serialize)]
pub struct NoteOut {
    pub content: String,
    pub updated_at: DateTime<Utc>,
}

/// `{"success": true, "stepId", "status"}`: a step's progress changed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepProgress {
    pub success: bool,
    pub step_id: String,
    pub status: String,
}

/// `{"step": {...}}`: a step output saved.
#[derive(Debug, Serialize)]
pub struct StepBody {
    pub step: StepRow,
}

/// `{"buildPacks": [...]}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildPacksBody<T: Serialize> {
    pub build_packs: Vec<T>,
}

/// `{"buildPack": {...}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildPackBody<T: Serialize> {
    pub build_pack: T,
}
