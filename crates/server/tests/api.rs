//! Every route's success path and the status codes of server-api.md, against a real PostgreSQL.

mod common;

use common::{server, steps};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn health_checks_the_database_and_responses_are_private() {
    let s = server().await;
    let r = s.call(Method::GET, "/health", None, None).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    assert_eq!(r.cache_control.as_deref(), Some("private, no-store"));
    let r = s.call(Method::GET, "/api/nothing-here", None, None).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("Not found"))
    );
    assert_eq!(r.cache_control.as_deref(), Some("private, no-store"));
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_without_a_valid_token_get_401() {
    let s = server().await;
    let r = s.call(Method::GET, "/api/workshops", None, None).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("Authentication required"))
    );
    let r = s
        .call(
            Method::GET,
            "/api/workshops",
            Some("wpt_not-a-real-token"),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("Invalid or revoked token"))
    );
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(&s.pool)
        .await
        .unwrap();
    let (_, token) = s.user("Ada").await;
    let hashes: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(&s.pool)
        .await
        .unwrap();
    assert_eq!(hashes.len(), stored.len() + 1);
    assert!(
        hashes
            .iter()
            .all(|h| h.len() == 32 && !String::from_utf8_lossy(h).contains(&token)),
        "only a hash is kept"
    );
    assert_eq!(s.get("/api/workshops", &token).await.status, StatusCode::OK);
    sqlx::query("UPDATE api_tokens SET revoked_at = now()")
        .execute(&s.pool)
        .await
        .unwrap();
    assert_eq!(
        s.get("/api/workshops", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn workshops_list_create_get_update_delete() {
    let s = server().await;
    let (user, token) = s.user("Ada").await;
    let r = s
        .post(
            "/api/workshops",
            &token,
            json!({ "title": "  Kickoff  ", "originalIdea": "pets" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let w = &r.body["workshop"];
    let id = w["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ws_"));
    assert_eq!(
        (
            w["title"].as_str(),
            w["status"].as_str(),
            w["ownerId"].as_str()
        ),
        (Some("Kickoff"), Some("active"), Some(user.as_str()))
    );
    let steps = w["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 10);
    assert_eq!(steps[0]["status"], "in_progress");
    assert!(steps[0]["startedAt"].is_string());
    assert!(steps[1..].iter().all(|s| s["status"] == "not_started"));

    let r = s.post("/api/workshops", &token, json!({})).await;
    assert_eq!(r.body["workshop"]["title"], "New Workshop");

    let r = s.get("/api/workshops", &token).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["workshops"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["workshops"][1]["stepsComplete"], 0);

    let r = s.get(&format!("/api/workshops/{id}"), &token).await;
    assert_eq!(
        (r.status, r.body["workshop"]["title"].as_str()),
        (StatusCode::OK, Some("Kickoff"))
    );

    let r = s
        .patch(
            &format!("/api/workshops/{id}"),
            &token,
            json!({ "title": "Kickoff — day 2", "status": "paused" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (
            r.body["workshop"]["title"].as_str(),
            r.body["workshop"]["status"].as_str()
        ),
        (Some("Kickoff — day 2"), Some("paused"))
    );
    // Two mutations in one transaction (renameWorkshop, then updateWorkshop): two revisions.
    assert_eq!(
        s.stored(&id).await,
        ("Kickoff — day 2".into(), "paused".into(), 3, false)
    );

    let r = s.delete(&format!("/api/workshops/{id}"), &token).await;
    assert_eq!(
        (r.status, r.body["success"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    assert!(s.stored(&id).await.3, "soft-deleted, still stored");
    assert_eq!(
        s.get(&format!("/api/workshops/{id}"), &token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.delete(&format!("/api/workshops/{id}"), &token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get("/api/workshops", &token).await.body["workshops"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_ids_are_kept_and_a_replayed_create_is_idempotent() {
    let s = server().await;
    let (_, ada) = s.user("Ada").await;
    let (_, bob) = s.user("Bob").await;
    let body = json!({ "id": "ws_client-made_id1", "title": "Offline first" });
    let r = s.post("/api/workshops", &ada, body.clone()).await;
    assert_eq!(
        (r.status, r.body["workshop"]["id"].as_str()),
        (StatusCode::CREATED, Some("ws_client-made_id1"))
    );
    let r = s.post("/api/workshops", &ada, body.clone()).await;
    assert_eq!(
        (r.status, r.body["workshop"]["title"].as_str()),
        (StatusCode::OK, Some("Offline first"))
    );
    let r = s.post("/api/workshops", &bob, body).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(s.stored("ws_client-made_id1").await.2, 1, "written once");
    let r = s
        .post("/api/workshops", &ada, json!({ "id": "not-a-workshop-id" }))
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("id"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn step_outputs_are_validated_and_steps_completed() {
    let s = server().await;
    let (_, token) = s.user("Ada").await;
    let id = s.workshop(&token, "Steps").await;
    let r = s
        .post(
            &format!("/api/workshops/{id}/steps/challenge/complete"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "a step needs an output first: {}",
        r.body
    );
    assert_eq!(
        r.body["error"],
        "step \"challenge\" has no output yet; save its output before completing it"
    );

    let file: serde_json::Value = serde_json::from_str(common::PAWPAL).unwrap();
    let mut persona = file["steps"]["persona"]["artifact"].clone();
    persona["age"] = json!(12);
    let r = s
        .put(
            &format!("/api/workshops/{id}/steps/persona/output"),
            &token,
            json!({ "output": persona }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("output.age"))
    );
    assert_eq!(
        r.body["error"],
        "invalid output for step \"persona\": age must be a whole number from 18 to 100, got 12"
    );

    let challenge = file["steps"]["challenge"]["artifact"].clone();
    let r = s
        .put(
            &format!("/api/workshops/{id}/steps/challenge/output"),
            &token,
            json!({ "output": challenge }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["step"]["output"]["altitude"], "balanced");
    let r = s
        .post(
            &format!("/api/workshops/{id}/steps/challenge/complete"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body,
        json!({ "success": true, "stepId": "challenge", "status": "complete" })
    );
    let completed: Option<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar(
        "SELECT completed_at FROM workshop_steps WHERE workshop_id = $1 AND step_id = 'challenge'",
    )
    .bind(&id)
    .fetch_one(&s.pool)
    .await
    .unwrap();
    assert!(completed.is_some());
    let r = s
        .put(
            &format!("/api/workshops/{id}/steps/challenge/output"),
            &token,
            json!({ "output": challenge }),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "a complete step must be revised first"
    );

    let r = s
        .post(
            &format!("/api/workshops/{id}/steps/brainstorm/complete"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("Workshop step not found"))
    );
    let r = s
        .post(
            "/api/workshops/ws_missing/steps/challenge/complete",
            &token,
            json!({}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("Workshop step not found"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn completing_a_workshop_follows_the_gate_and_is_idempotent() {
    let s = server().await;
    let (_, token) = s.user("Ada").await;
    let id = s.pawpal(&token).await;
    let r = s
        .post(&format!("/api/workshops/{id}/complete"), &token, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["error"],
        "All steps must be completed before finishing the workshop"
    );
    assert_eq!(r.body["missingSteps"], json!(steps()));
    assert_eq!(s.stored(&id).await.1, "active");

    s.complete_steps(&token, &id).await;
    let rev_before = s.stored(&id).await.2;
    for _ in 0..2 {
        let r = s
            .post(&format!("/api/workshops/{id}/complete"), &token, json!({}))
            .await;
        assert_eq!(
            (r.status, r.body.clone()),
            (
                StatusCode::OK,
                json!({ "success": true, "status": "completed" })
            )
        );
    }
    assert_eq!(
        s.stored(&id).await,
        ("PawPal".into(), "completed".into(), rev_before + 1, false),
        "written once"
    );
    let r = s
        .post("/api/workshops/ws_missing/complete", &token, json!({}))
        .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (
            StatusCode::UNAUTHORIZED,
            Some("Workshop not found or access denied")
        )
    );
    let listed = s.get("/api/workshops", &token).await;
    assert_eq!(listed.body["workshops"][0]["stepsComplete"], 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_duplicate_completions_all_succeed_and_write_once() {
    let s = server().await;
    let (_, token) = s.user("Ada").await;
    let id = s.pawpal(&token).await;
    s.complete_steps(&token, &id).await;
    let rev_before = s.stored(&id).await.2;
    let path = format!("/api/workshops/{id}/complete");
    let replies =
        futures::future::join_all((0..16).map(|_| s.post(&path, &token, json!({})))).await;
    for r in &replies {
        assert_eq!(
            (r.status, r.body["status"].as_str()),
            (StatusCode::OK, Some("completed")),
            "{}",
            r.body
        );
    }
    assert_eq!(
        s.stored(&id).await.2,
        rev_before + 1,
        "the workshop row was written exactly once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn notes_are_personal_capped_and_upserted() {
    let s = server().await;
    let (_, token) = s.user("Ada").await;
    let id = s.workshop(&token, "Notes").await;
    let path = format!("/api/workshops/{id}/notes");
    let r = s.get(&path, &token).await;
    assert_eq!(
        (r.status, r.body.clone()),
        (StatusCode::OK, json!({ "note": null }))
    );
    let r = s
        .put(&path, &token, json!({ "content": "Bring markers" }))
        .await;
    assert_eq!(
        (r.status, r.body["note"]["content"].as_str()),
        (StatusCode::OK, Some("Bring markers"))
    );
    assert!(r.body["note"]["updated_at"].is_string());
    s.put(
        &path,
        &token,
        json!({ "content": "Bring markers and tape" }),
    )
    .await;
    let at_limit = "é".repeat(50_000);
    assert_eq!(
        s.put(
            &format!("{path}?stepId=persona"),
            &token,
            json!({ "content": at_limit })
        )
        .await
        .status,
        StatusCode::OK
    );
    let r = s
        .put(&path, &token, json!({ "content": "x".repeat(50_001) }))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (r.body["error"].as_str(), r.body["field"].as_str()),
        (
            Some("Notes cannot exceed 50,000 characters"),
            Some("content")
        )
    );
    assert_eq!(
        s.get(&path, &token).await.body["note"]["content"],
        "Bring markers and tape",
        "the previous note stays"
    );
    assert_eq!(
        s.get(&format!("{path}?stepId=persona"), &token).await.body["note"]["content"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        50_000
    );
    let notes: i64 = sqlx::query_scalar("SELECT count(*) FROM notes")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(notes, 2, "one note per workshop and one per step");
    let r = s.get(&format!("{path}?stepId=brainstorm"), &token).await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("stepId"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn build_packs_are_stored_and_listed() {
    let s = server().await;
    let (_, token) = s.user("Ada").await;
    let id = s.workshop(&token, "Packs").await;
    let r = s
        .get(&format!("/api/workshops/{id}/build-packs"), &token)
        .await;
    assert_eq!(
        (r.status, r.body.clone()),
        (StatusCode::OK, json!({ "buildPacks": [] }))
    );
    let r = s
        .put(
            &format!("/api/workshops/{id}/build-packs/prd/markdown"),
            &token,
            json!({ "title": "PRD", "content": "# PRD\n" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    s.put(
        &format!("/api/workshops/{id}/build-packs/prd/markdown"),
        &token,
        json!({ "title": "PRD", "content": "# PRD v2\n" }),
    )
    .await;
    s.put(
        &format!("/api/workshops/{id}/build-packs/pack/html"),
        &token,
        json!({ "title": "Pack", "content": "<p>x</p>" }),
    )
    .await;
    let r = s
        .get(&format!("/api/workshops/{id}/build-packs"), &token)
        .await;
    let packs = r.body["buildPacks"].as_array().unwrap();
    assert_eq!(packs.len(), 2, "one row per kind and format");
    assert_eq!(
        (
            packs[1]["kind"].as_str(),
            packs[1]["format"].as_str(),
            packs[1]["bytes"].as_i64()
        ),
        (Some("prd"), Some("markdown"), Some(9))
    );
    let r = s
        .put(
            &format!("/api/workshops/{id}/build-packs/brochure/pdf"),
            &token,
            json!({ "title": "x", "content": "y" }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("kind"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn members_can_read_and_editors_can_work_on_steps() {
    let s = server().await;
    let (_, ada) = s.user("Ada").await;
    let (viewer_id, viewer) = s.user("Vic").await;
    let (editor_id, editor) = s.user("Eve").await;
    let id = s.pawpal(&ada).await;
    for (user, role) in [(&viewer_id, "viewer"), (&editor_id, "editor")] {
        let r = s
            .post(
                &format!("/api/workshops/{id}/members"),
                &ada,
                json!({ "userId": user, "role": role }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    assert_eq!(
        s.get(&format!("/api/workshops/{id}"), &viewer).await.status,
        StatusCode::OK
    );
    assert_eq!(
        s.get("/api/workshops", &viewer).await.body["workshops"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let path = format!("/api/workshops/{id}/steps/challenge/complete");
    assert_eq!(
        s.post(&path, &viewer, json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.post(&path, &editor, json!({})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        s.post(&format!("/api/workshops/{id}/complete"), &editor, json!({}))
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "owner only"
    );
    let r = s
        .post(
            &format!("/api/workshops/{id}/members"),
            &ada,
            json!({ "userId": editor_id, "role": "admin" }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("role"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unexpected_failures_answer_500_without_internal_detail() {
    let s = server().await;
    let (_, token) = s.user("Ada").await;
    let id = s.workshop(&token, "Broken").await;
    // Break the database under the server: the query fails in a way no route expects.
    sqlx::query("ALTER TABLE build_packs RENAME TO build_packs_gone")
        .execute(&s.pool)
        .await
        .unwrap();
    let r = s
        .get(&format!("/api/workshops/{id}/build-packs"), &token)
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        r.body,
        json!({ "error": "Internal server error" }),
        "no SQL, table names or stack traces leak"
    );
    assert_eq!(r.cache_control.as_deref(), Some("private, no-store"));
}
