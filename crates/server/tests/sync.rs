//! Sync push and pull against a real server and PostgreSQL: exactly-once mutations, the
//! results of each, permissions, and a cursor that never skips a change.

mod common;

use std::collections::HashSet;

use chrono::{Duration, SubsecRound, Utc};
use common::{server, TestServer, PAWPAL};
use reqwest::StatusCode;
use serde_json::{json, Value};
use wp_domain::protocol::{PullResponse, PulledChange, PushResponse};
use wp_domain::{Change, Mutation};

fn args(m: &Mutation) -> (String, Value) {
    let v = serde_json::to_value(m).unwrap();
    (v["name"].as_str().unwrap().to_string(), v["args"].clone())
}

async fn push(
    s: &TestServer,
    token: &str,
    client: &str,
    mutations: &[(i64, &Mutation)],
) -> PushResponse {
    let r = push_raw(s, token, client, mutations).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_value(r.body).unwrap()
}

async fn push_raw(
    s: &TestServer,
    token: &str,
    client: &str,
    mutations: &[(i64, &Mutation)],
) -> common::Reply {
    let mutations: Vec<Value> = mutations
        .iter()
        .map(|(id, m)| {
            let (name, args) = args(m);
            json!({ "id": id, "name": name, "args": args })
        })
        .collect();
    s.post(
        "/api/sync/push",
        token,
        json!({ "protocolVersion": 1, "clientId": client, "mutations": mutations }),
    )
    .await
}

async fn pull(s: &TestServer, token: &str, cursor: &str, client: &str) -> PullResponse {
    let r = s
        .get(
            &format!("/api/sync/pull?cursor={cursor}&clientId={client}&limit=1000"),
            token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_value(r.body).unwrap()
}

/// Pulls every page from `cursor`; returns the puts and the final cursor.
async fn pull_all(s: &TestServer, token: &str, mut cursor: String) -> (Vec<PulledChange>, String) {
    let mut all = vec![];
    loop {
        let page = pull(s, token, &cursor, "").await;
        assert!(!page.reset);
        all.extend(page.changes);
        cursor = page.cursor;
        if !page.has_more {
            return (all, cursor);
        }
    }
}

fn pawpal_create(at: chrono::DateTime<Utc>) -> Mutation {
    let file: Value = serde_json::from_str(PAWPAL).unwrap();
    let mut steps = Mutation::new_steps();
    for s in &mut steps {
        s.output = Some(file["steps"][&s.step_id]["artifact"].clone());
    }
    Mutation::CreateWorkshop {
        workshop_id: wp_domain::ids::new_id(wp_domain::ids::IdKind::Workshop),
        title: "PawPal".into(),
        original_idea: String::new(),
        steps,
        at,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pushed_workshop_is_pulled_whole_with_the_clients_ids_and_times() {
    let s = server().await;
    let (_, ada) = s.user("Ada").await;
    let monday = (Utc::now() - Duration::days(3)).trunc_subsecs(3);
    let create = pawpal_create(monday);
    let Mutation::CreateWorkshop {
        workshop_id, steps, ..
    } = &create
    else {
        unreachable!()
    };
    let advance = Mutation::AdvanceStep {
        workshop_id: workshop_id.clone(),
        step_id: "challenge".into(),
        at: monday + Duration::hours(1),
    };
    let r = push(&s, &ada, "client-a", &[(1, &create), (2, &advance)]).await;
    assert_eq!(r.last_mutation_id, 2);
    assert!(
        r.results
            .iter()
            .all(|x| x.outcome == wp_domain::protocol::Outcome::Applied),
        "{r:?}"
    );

    let (changes, _) = pull_all(&s, &ada, String::new()).await;
    let puts: Vec<&Change> = changes
        .iter()
        .filter_map(|c| match c {
            PulledChange::Put(p) => Some(&p.row),
            PulledChange::Delete(_) => None,
        })
        .collect();
    assert!(
        matches!(puts[0], Change::Workshop(w) if w.id == *workshop_id && w.created_at == monday),
        "the parent comes first, with the client's time: {:?}",
        puts[0]
    );
    let pulled_steps: Vec<_> = puts
        .iter()
        .filter_map(|c| match c {
            Change::Step(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(pulled_steps.len(), 10);
    for (sent, got) in steps.iter().zip(&pulled_steps) {
        assert_eq!(
            (sent.id.as_str(), sent.step_id.as_str()),
            (got.id.as_str(), got.step_id.as_str())
        );
        assert!(got.output.is_some());
    }
    assert_eq!(
        pulled_steps[0].completed_at,
        Some(monday + Duration::hours(1)),
        "completed offline on Monday reads as Monday"
    );
    assert_eq!(
        pulled_steps[1].started_at,
        Some(monday + Duration::hours(1))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_push_has_no_second_effect_and_gaps_wait() {
    let s = server().await;
    let (_, ada) = s.user("Ada").await;
    let id = s.workshop(&ada, "Retry").await;
    let rename = |t: &str| Mutation::RenameWorkshop {
        workshop_id: id.clone(),
        title: t.into(),
        base: None,
        at: Utc::now(),
    };
    let (a, b) = (rename("One"), rename("Two"));
    push(&s, &ada, "c1", &[(1, &a), (2, &b)]).await;
    let rev = s.stored(&id).await.2;
    // The same batch again (a response lost after commit): duplicates, nothing written.
    let again = push(&s, &ada, "c1", &[(1, &a), (2, &b)]).await;
    assert!(again
        .results
        .iter()
        .all(|r| r.outcome == wp_domain::protocol::Outcome::Duplicate));
    assert_eq!(s.stored(&id).await.2, rev);
    // A gap: id 4 before 3 arrived is not processed.
    let c = rename("Four");
    let gap = push(&s, &ada, "c1", &[(4, &c)]).await;
    assert!(gap.results.is_empty());
    assert_eq!(gap.last_mutation_id, 2);
    assert_eq!(s.stored(&id).await.0, "Two");
    // The same id with other content: another copy of the database.
    let r = push_raw(&s, &ada, "c1", &[(2, &c)]).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::CONFLICT, Some("client_reset"))
    );
    // A client id is one user's.
    let (_, bob) = s.user("Bob").await;
    let r = push_raw(&s, &bob, "c1", &[(3, &c)]).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("client_owned"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rejections_are_processed_and_named_and_unknown_mutations_wait() {
    let s = server().await;
    let (_, ada) = s.user("Ada").await;
    let (viewer_id, vic) = s.user("Vic").await;
    let id = s.workshop(&ada, "Shared").await;
    let share = Mutation::AddMember {
        member_id: "wm_share1".into(),
        workshop_id: id.clone(),
        user_id: viewer_id,
        role: wp_domain::Role::Viewer,
        at: Utc::now(),
    };
    push(&s, &ada, "ada-1", &[(1, &share)]).await;

    let edit = Mutation::SaveStepOutput {
        workshop_id: id.clone(),
        step_id: "challenge".into(),
        output: json!({ "problemStatement": "x" }),
        base: None,
        at: Utc::now(),
    };
    let note = Mutation::SetNote {
        note_id: "note_vic1".into(),
        workshop_id: id.clone(),
        step_id: None,
        content: "my own note".into(),
        base: None,
        at: Utc::now(),
    };
    let long_title = Mutation::RenameWorkshop {
        workshop_id: id.clone(),
        title: "x".repeat(101),
        base: None,
        at: Utc::now(),
    };
    let r = push(
        &s,
        &vic,
        "vic-1",
        &[(1, &edit), (2, &note), (3, &long_title)],
    )
    .await;
    use wp_domain::protocol::Outcome::*;
    assert_eq!(
        r.results.iter().map(|x| x.outcome).collect::<Vec<_>>(),
        [Rejected, Applied, Rejected]
    );
    assert!(
        r.results[0].error.as_deref().unwrap().contains("editor"),
        "{:?}",
        r.results[0]
    );
    assert_eq!(r.last_mutation_id, 3, "a rejection counts as processed");

    let r = push(&s, &ada, "ada-1", &[(2, &long_title)]).await;
    assert_eq!(
        (r.results[0].outcome, r.results[0].field.as_deref()),
        (Rejected, Some("title"))
    );

    let r = s
        .post(
            "/api/sync/push",
            &ada,
            json!({ "protocolVersion": 2, "clientId": "ada-1", "mutations": [
                { "id": 3, "name": "archiveWorkshop", "args": { "workshopId": id } },
                { "id": 4, "name": "renameWorkshop", "args": { "workshopId": id, "title": "After", "at": Utc::now() } }
            ], "someFutureField": true }),
        )
        .await;
    let r: PushResponse = serde_json::from_value(r.body).unwrap();
    assert_eq!(r.results.len(), 1);
    assert_eq!(r.results[0].outcome, UpgradeRequired);
    assert_eq!(
        r.last_mutation_id, 2,
        "it stays queued, and nothing after it runs"
    );
    assert_eq!(s.stored(&id).await.0, "Shared");

    // Vic pulls the shared workshop whole, and their own note but not Ada's.
    let ada_note = Mutation::SetNote {
        note_id: "note_ada1".into(),
        workshop_id: id.clone(),
        step_id: None,
        content: "Ada's".into(),
        base: None,
        at: Utc::now(),
    };
    let r = push(&s, &ada, "ada-1", &[(3, &ada_note)]).await;
    assert_eq!(r.results[0].outcome, Applied);
    let (changes, _) = pull_all(&s, &vic, String::new()).await;
    let notes: Vec<String> = changes
        .iter()
        .filter_map(|c| match c {
            PulledChange::Put(p) => match &p.row {
                Change::Note(n) => Some(n.content.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(notes, ["my own note"]);
    assert_eq!(
        changes
            .iter()
            .filter(|c| matches!(c, PulledChange::Put(p) if matches!(p.row, Change::Step(_))))
            .count(),
        10
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rest_changes_appear_in_pulls_and_bad_cursors_reset() {
    let s = server().await;
    let (_, ada) = s.user("Ada").await;
    let id = s.workshop(&ada, "Via REST").await;
    let (first, cursor) = pull_all(&s, &ada, String::new()).await;
    assert_eq!(first.len(), 11);
    let r = s
        .patch(
            &format!("/api/workshops/{id}"),
            &ada,
            json!({ "title": "Renamed by a script" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (next, cursor2) = pull_all(&s, &ada, cursor.clone()).await;
    assert!(
        matches!(&next[..], [PulledChange::Put(p)] if matches!(&p.row, Change::Workshop(w) if w.title == "Renamed by a script")),
        "{next:?}"
    );
    // A no-op pull keeps the cursor.
    let (none, same) = pull_all(&s, &ada, cursor2.clone()).await;
    assert!(none.is_empty());
    assert_eq!(same, cursor2);
    // Malformed, rewritten (same position, another change) and future cursors reset.
    let (position, _) = cursor.split_once('.').unwrap();
    for bad in [
        "garbage".to_string(),
        format!("{position}.00000000-0000-0000-0000-000000000000"),
        "999999.00000000-0000-0000-0000-000000000000".to_string(),
    ] {
        let page = pull(&s, &ada, &bad, "").await;
        assert!(page.reset && page.changes.is_empty(), "{bad}");
    }
}

/// A transaction that writes and stays open while another commits later positions: the
/// pull in between must not move its cursor past the first one's change.
#[tokio::test(flavor = "multi_thread")]
async fn a_cursor_never_skips_a_change_committed_late() {
    let s = server().await;
    let (ada_id, ada) = s.user("Ada").await;
    let id = s.workshop(&ada, "Interleaved").await;
    let (_, cursor) = pull_all(&s, &ada, String::new()).await;

    let mut slow = s.pool.begin().await.unwrap();
    sqlx::query("INSERT INTO notes (id, workshop_id, user_id, content) VALUES ('note_slow', $1, $2, 'late')")
        .bind(&id)
        .bind(&ada_id)
        .execute(&mut *slow)
        .await
        .unwrap();
    let r = s
        .patch(
            &format!("/api/workshops/{id}"),
            &ada,
            json!({ "title": "Fast" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (seen, cursor) = pull_all(&s, &ada, cursor).await;
    assert_eq!(seen.len(), 1, "only the committed rename: {seen:?}");
    slow.commit().await.unwrap();
    let (seen, _) = pull_all(&s, &ada, cursor).await;
    assert!(
        matches!(&seen[..], [PulledChange::Put(p)] if matches!(&p.row, Change::Note(n) if n.id == "note_slow")),
        "the late commit is pulled: {seen:?}"
    );
}

/// 16 writers across 2 server processes (two routers, two pools, one database) commit
/// 10,032 rows (912 workshops of 11 rows) while a client pulls continuously: the rows
/// pulled equal the rows committed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_two_servers_lose_no_change_in_pulls() {
    let s = server().await;
    let second = s.second_process().await;
    let (_, ada) = s.user("Ada").await;
    const WRITERS: usize = 16;
    const WORKSHOPS_PER_WRITER: usize = 57;
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let base = if w % 2 == 0 {
                s.base.clone()
            } else {
                second.clone()
            };
            let (client, token) = (s.client.clone(), ada.clone());
            tokio::spawn(async move {
                for i in 0..WORKSHOPS_PER_WRITER {
                    let r = client
                        .post(format!("{base}/api/workshops"))
                        .bearer_auth(&token)
                        .json(&json!({ "id": format!("ws_w{w}_{i}"), "title": format!("{w}/{i}") }))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 201);
                }
            })
        })
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut cursor = String::new();
    let mut pulls = 0;
    loop {
        let finished = writers.iter().all(|w| w.is_finished());
        loop {
            let page = pull(&s, &ada, &cursor, "").await;
            pulls += 1;
            assert!(!page.reset);
            for c in page.changes {
                if let PulledChange::Put(p) = c {
                    seen.insert(match p.row {
                        Change::Workshop(w) => w.id,
                        Change::Step(st) => st.id,
                        other => panic!("{other:?}"),
                    });
                }
            }
            cursor = page.cursor;
            if !page.has_more {
                break;
            }
        }
        if finished {
            break;
        }
    }
    for w in writers {
        w.await.unwrap();
    }
    let committed: Vec<String> =
        sqlx::query_scalar("SELECT id FROM workshops UNION ALL SELECT id FROM workshop_steps")
            .fetch_all(&s.pool)
            .await
            .unwrap();
    assert_eq!(committed.len(), WRITERS * WORKSHOPS_PER_WRITER * 11);
    let missing: Vec<&String> = committed.iter().filter(|id| !seen.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} committed rows never pulled (in {pulls} pulls), e.g. {:?}",
        missing.len(),
        committed.len(),
        missing.first()
    );
    assert!(pulls > 2, "the pulls ran while the writers wrote");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_token_works_until_revoked() {
    let s = server().await;
    let (ada_id, _) = s.user("Ada").await;
    let (token_id, token) = wp_server::auth::create_token(&s.pool, &ada_id)
        .await
        .unwrap();
    assert_eq!(s.get("/api/workshops", &token).await.status, StatusCode::OK);
    wp_server::auth::revoke_token(&s.pool, &token_id)
        .await
        .unwrap();
    assert_eq!(
        s.get("/api/workshops", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(wp_server::auth::create_token(&s.pool, "usr_nobody")
        .await
        .is_err());
}
