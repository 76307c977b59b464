//! The authorization matrix: user B reading, changing, completing or deleting user A's
//! workshop, notes or steps gets 401 or 404, and nothing changes in the database.

mod common;

use common::server;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn snapshot(s: &common::TestServer, id: &str) -> Value {
    let workshop: (String, String, String, i64, bool) =
        sqlx::query_as("SELECT title, status, original_idea, rev, deleted_at IS NOT NULL FROM workshops WHERE id = $1")
            .bind(id)
            .fetch_one(&s.pool)
            .await
            .unwrap();
    let steps: Vec<(String, String, i64, Option<sqlx::types::Json<Value>>)> =
        sqlx::query_as("SELECT step_id, status, rev, output FROM workshop_steps WHERE workshop_id = $1 ORDER BY step_id")
            .bind(id)
            .fetch_all(&s.pool)
            .await
            .unwrap();
    let notes: Vec<(String, String)> = sqlx::query_as(
        "SELECT user_id, content FROM notes WHERE workshop_id = $1 ORDER BY user_id",
    )
    .bind(id)
    .fetch_all(&s.pool)
    .await
    .unwrap();
    let packs: Vec<(String, String)> =
        sqlx::query_as("SELECT kind, content FROM build_packs WHERE workshop_id = $1")
            .bind(id)
            .fetch_all(&s.pool)
            .await
            .unwrap();
    let members: i64 =
        sqlx::query_scalar("SELECT count(*) FROM workshop_members WHERE workshop_id = $1")
            .bind(id)
            .fetch_one(&s.pool)
            .await
            .unwrap();
    json!({
        "workshop": [workshop.0, workshop.1, workshop.2, workshop.3, workshop.4],
        "steps": steps.into_iter().map(|(a, b, c, d)| json!([a, b, c, d.map(|j| j.0)])).collect::<Vec<_>>(),
        "notes": notes, "packs": packs, "members": members,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn another_users_workshop_is_out_of_reach_and_unchanged() {
    let s = server().await;
    let (_, a) = s.user("Alice").await;
    let (b_id, b) = s.user("Bob").await;
    let id = s.pawpal(&a).await;
    s.put(
        &format!("/api/workshops/{id}/notes"),
        &a,
        json!({ "content": "Alice's private note" }),
    )
    .await;
    s.put(
        &format!("/api/workshops/{id}/build-packs/prd/markdown"),
        &a,
        json!({ "title": "PRD", "content": "# PRD" }),
    )
    .await;
    let before = snapshot(&s, &id).await;

    let persona: Value = serde_json::from_str::<Value>(common::PAWPAL).unwrap()["steps"]["persona"]
        ["artifact"]
        .clone();
    let attempts: Vec<(Method, String, Option<Value>, StatusCode)> = vec![
        (
            Method::GET,
            format!("/api/workshops/{id}"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::PATCH,
            format!("/api/workshops/{id}"),
            Some(json!({ "title": "Mine now" })),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            format!("/api/workshops/{id}"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            format!("/api/workshops/{id}/complete"),
            Some(json!({})),
            StatusCode::UNAUTHORIZED,
        ),
        (
            Method::POST,
            format!("/api/workshops/{id}/steps/challenge/complete"),
            Some(json!({})),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::PUT,
            format!("/api/workshops/{id}/steps/persona/output"),
            Some(json!({ "output": persona })),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            format!("/api/workshops/{id}/notes"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::PUT,
            format!("/api/workshops/{id}/notes"),
            Some(json!({ "content": "Bob was here" })),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            format!("/api/workshops/{id}/build-packs"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::PUT,
            format!("/api/workshops/{id}/build-packs/prd/markdown"),
            Some(json!({ "title": "x", "content": "y" })),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            format!("/api/workshops/{id}/members"),
            Some(json!({ "userId": b_id, "role": "editor" })),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (method, path, body, expected) in attempts {
        let r = s.call(method.clone(), &path, Some(&b), body).await;
        assert_eq!(r.status, expected, "{method} {path}: {}", r.body);
        assert!(r.body["error"].is_string(), "{method} {path}");
        assert!(
            !r.body.to_string().contains("Alice"),
            "nothing of A's leaks: {}",
            r.body
        );
    }
    assert_eq!(
        snapshot(&s, &id).await,
        before,
        "nothing changed in the database"
    );
    assert!(s.get("/api/workshops", &b).await.body["workshops"]
        .as_array()
        .unwrap()
        .is_empty());

    // A's own access is intact, and a missing workshop looks the same to B as A's.
    assert_eq!(
        s.get(&format!("/api/workshops/{id}"), &a).await.status,
        StatusCode::OK
    );
    let missing = s.get("/api/workshops/ws_does_not_exist", &b).await;
    let theirs = s.get(&format!("/api/workshops/{id}"), &b).await;
    assert_eq!((missing.status, missing.body), (theirs.status, theirs.body));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trashed_workshop_is_out_of_reach_for_everyone() {
    let s = server().await;
    let (_, a) = s.user("Alice").await;
    let id = s.workshop(&a, "Old").await;
    s.delete(&format!("/api/workshops/{id}"), &a).await;
    assert_eq!(
        s.get(&format!("/api/workshops/{id}/notes"), &a)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.post(&format!("/api/workshops/{id}/complete"), &a, json!({}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

/// The server's access rule (the `workshop_roles` view every workshop query reads) is the
/// domain's `Role::of`, for every combination of owner, membership row and stranger.
#[tokio::test]
async fn the_workshop_roles_view_is_role_of_for_every_combination() {
    use wp_domain::Role;
    let s = server().await;
    let (owner, token) = s.user("Olga").await;
    let (member, _) = s.user("Mo").await;
    let (stranger, _) = s.user("Sam").await;
    let id = s.workshop(&token, "Access").await;
    let rows: [Option<Role>; 4] = [
        None,
        Some(Role::Viewer),
        Some(Role::Editor),
        Some(Role::Owner),
    ];
    let mut checked = 0;
    for member_row in rows {
        // The owner's own membership row, too: Role::of ignores it, and so must the view.
        for owner_row in [None, Some(Role::Viewer)] {
            sqlx::query("DELETE FROM workshop_members WHERE workshop_id = $1")
                .bind(&id)
                .execute(&s.pool)
                .await
                .unwrap();
            for (user, role) in [(&member, member_row), (&owner, owner_row)] {
                if let Some(role) = role {
                    sqlx::query(
                        "INSERT INTO workshop_members (id, workshop_id, user_id, role) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(wp_domain::ids::new_id(wp_domain::ids::IdKind::Member))
                    .bind(&id)
                    .bind(user)
                    .bind(role.as_str())
                    .execute(&s.pool)
                    .await
                    .unwrap();
                }
            }
            for (actor, membership) in [
                (&owner, owner_row),
                (&member, member_row),
                (&stranger, None),
            ] {
                let in_sql: Vec<String> = sqlx::query_scalar(
                    "SELECT role FROM workshop_roles WHERE workshop_id = $1 AND user_id = $2",
                )
                .bind(&id)
                .bind(actor)
                .fetch_all(&s.pool)
                .await
                .unwrap();
                let expected = Role::of(&owner, actor, membership);
                assert_eq!(
                    in_sql,
                    expected
                        .map(|r| r.as_str().to_string())
                        .into_iter()
                        .collect::<Vec<_>>(),
                    "member row {member_row:?}, owner row {owner_row:?}, actor {actor}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 24);
}
