//! What a client holds and what the server holds for a user, in one comparable form.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use wp_store::{Store, WorkshopFilter};

use crate::oracle::Field;

/// What the client holds in `field`: a title, an output or a step's status (JSON), a note's
/// text (the field's user's), `Null` when it holds none; after healing, what the server
/// holds too.
pub fn value_of(store: &Store, field: &Field) -> Value {
    let Some(detail) = store.workshop(field.workshop()).ok() else {
        return Value::Null;
    };
    let step = |id: &str| detail.steps.iter().find(|s| s.record.step_id == id);
    match field {
        Field::Title(_) => Value::from(detail.workshop.record.title.as_str()),
        Field::Output(_, id) => step(id)
            .and_then(|s| s.record.output.clone())
            .unwrap_or(Value::Null),
        Field::Status(_, id) => step(id).map_or(Value::Null, |s| {
            serde_json::to_value(s.record.status).unwrap()
        }),
        Field::Note(w, id, _) => store
            .note(w, id.as_deref())
            .ok()
            .flatten()
            .map_or(Value::Null, |n| Value::from(n.record.content)),
        Field::Access(..) => Value::Null,
        Field::SessionTime(w, id) | Field::SessionStatus(w, id) => store
            .schedule(w)
            .ok()
            .and_then(|s| s.sessions.into_iter().find(|o| &o.id == id))
            .map_or(Value::Null, |o| match field {
                Field::SessionTime(..) => json!(o.scheduled_at),
                _ => json!(o.status),
            }),
        Field::SeriesActive(w, id) => store
            .schedule(w)
            .ok()
            .and_then(|s| s.series.into_iter().find(|r| &r.series.id == id))
            .map_or(Value::Null, |r| json!(r.series.is_active)),
    }
}

/// The fields of the conflicts the client lists open (`user`: the client's user, whose
/// notes they are): a change to one of them is visible there, for the user to choose.
pub fn conflicted(store: &Store, user: &str) -> std::collections::HashSet<Field> {
    store
        .conflicts(true)
        .unwrap()
        .into_iter()
        .map(|c| field_of_conflict(&c, user))
        .collect()
}

/// The field a conflict is about.
pub fn field_of_conflict(c: &wp_domain::ConflictRecord, user: &str) -> Field {
    match c.kind {
        wp_domain::ConflictKind::Title => Field::Title(c.workshop_id.clone()),
        wp_domain::ConflictKind::Note => {
            Field::Note(c.workshop_id.clone(), c.step_id.clone(), user.to_string())
        }
        wp_domain::ConflictKind::OutputField => {
            Field::Output(c.workshop_id.clone(), c.step_id.clone().unwrap_or_default())
        }
    }
}

/// Whether the client holds `value` in `field` ([`value_of`]).
pub fn holds(store: &Store, field: &Field, value: &Value) -> bool {
    value_of(store, field) == *value
}

/// What a client holds, in a form that compares with the server's.
pub fn client_view(store: &Store) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for trash in [false, true] {
        for w in store
            .list_workshops(&WorkshopFilter {
                trash,
                search: None,
            })
            .unwrap()
        {
            let w = store.workshop(&w.workshop.record.id).unwrap();
            let ws = &w.workshop;
            out.insert(
                format!("workshop {}", ws.record.id),
                json!([
                    ws.record.title,
                    ws.record.status,
                    ws.record.deleted_at.is_some(),
                    ws.record.owner_id
                ]),
            );
            for s in &w.steps {
                out.insert(
                    format!("step {}", s.record.id),
                    json!([
                        s.record.workshop_id,
                        s.record.step_id,
                        s.record.status,
                        s.record.output,
                        s.record.started_at,
                        s.record.completed_at
                    ]),
                );
            }
            let schedule = store.schedule(&ws.record.id).unwrap();
            for o in &schedule.sessions {
                out.insert(
                    format!("session {}", o.id),
                    json!([
                        o.workshop_id,
                        o.series_id,
                        o.status,
                        o.scheduled_at,
                        o.duration_minutes,
                        o.title
                    ]),
                );
            }
            for r in &schedule.series {
                let r = &r.series;
                out.insert(
                    format!("series {}", r.id),
                    json!([r.workshop_id, r.is_active, r.title, r.start_date]),
                );
            }
            for n in store.notes(&ws.record.id).unwrap() {
                out.insert(
                    format!("note {} {:?}", n.record.workshop_id, n.record.step_id),
                    json!(n.record.content),
                );
            }
        }
    }
    for c in store.conflicts(false).unwrap() {
        out.insert(
            format!("conflict {}", c.id),
            json!([c.resolved_at.is_some(), c.mine, c.theirs]),
        );
    }
    out
}

pub async fn server_view(pool: &sqlx::PgPool, user: &str) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let visible = "(w.owner_id = $1 OR EXISTS (SELECT 1 FROM workshop_members m WHERE m.workshop_id = w.id AND m.user_id = $1))";
    let rows: Vec<(String, String, String, bool, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, title, status, deleted_at IS NOT NULL, owner_id FROM workshops w WHERE {visible}"
    )))
    .bind(user)
    .fetch_all(pool)
    .await
    .unwrap();
    for (id, title, status, deleted, owner) in rows {
        out.insert(
            format!("workshop {id}"),
            json!([title, status, deleted, owner]),
        );
    }
    type StepRow = (
        String,
        String,
        String,
        String,
        Option<Value>,
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    );
    let steps: Vec<StepRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT s.id, s.workshop_id, s.step_id, s.status, s.output, s.started_at, s.completed_at FROM workshop_steps s
         JOIN workshops w ON w.id = s.workshop_id WHERE {visible}"
    )))
    .bind(user)
    .fetch_all(pool)
    .await
    .unwrap();
    for (id, wid, step, status, output, started, completed) in steps {
        out.insert(
            format!("step {id}"),
            json!([wid, step, status, output, started, completed]),
        );
    }
    let notes: Vec<(String, Option<String>, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT n.workshop_id, n.step_id, n.content FROM notes n JOIN workshops w ON w.id = n.workshop_id
         WHERE n.user_id = $1 AND {visible}"
    )))
    .bind(user)
    .fetch_all(pool)
    .await
    .unwrap();
    for (wid, step, content) in notes {
        out.insert(format!("note {wid} {step:?}"), json!(content));
    }
    type SessionRow = (
        String,
        String,
        Option<String>,
        String,
        chrono::DateTime<chrono::Utc>,
        i32,
        String,
    );
    let sessions: Vec<SessionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT o.id, o.workshop_id, o.series_id, o.status, o.scheduled_at, o.duration_minutes, o.title
         FROM sessions o JOIN workshops w ON w.id = o.workshop_id WHERE {visible}"
    )))
    .bind(user)
    .fetch_all(pool)
    .await
    .unwrap();
    for (id, wid, series, status, at, minutes, title) in sessions {
        out.insert(
            format!("session {id}"),
            json!([wid, series, status, at, minutes, title]),
        );
    }
    let series: Vec<(String, String, bool, String, chrono::NaiveDate)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT r.id, r.workshop_id, r.is_active, r.title, r.start_date
             FROM series r JOIN workshops w ON w.id = r.workshop_id WHERE {visible}"
        )))
        .bind(user)
        .fetch_all(pool)
        .await
        .unwrap();
    for (id, wid, active, title, start) in series {
        out.insert(format!("series {id}"), json!([wid, active, title, start]));
    }
    let conflicts: Vec<(String, bool, Value, Value)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT c.id, c.resolved_at IS NOT NULL, c.mine, c.theirs FROM conflicts c JOIN workshops w ON w.id = c.workshop_id
         WHERE c.user_id = $1 AND {visible}"
    )))
    .bind(user)
    .fetch_all(pool)
    .await
    .unwrap();
    for (id, resolved, mine, theirs) in conflicts {
        out.insert(format!("conflict {id}"), json!([resolved, mine, theirs]));
    }
    out
}
