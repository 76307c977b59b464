//! Series and sessions on the server (docs/series.md, "Server API"): the same validation as
//! the app, ownership in every query, and the rolling job run by two processes at once.

mod common;

use chrono::{Duration, Utc};
use common::server;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn series_body(workshop: &str, start: &str, end: Value, private: bool) -> Value {
    json!({
        "workshopId": workshop,
        "title": "Design sprint",
        "description": "Review the week",
        "rule": { "frequency": "biweekly", "days": ["Tue", "Sun"], "end": end },
        "startDate": start,
        "timeOfDay": "19:00",
        "timezone": "America/New_York",
        "durationMinutes": 90,
        "isPrivate": private,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_series_is_validated_like_the_app_and_listed_with_its_next_occurrence() {
    let s = server().await;
    let (ada, ada_token) = s.user("Ada").await;
    let (_, bob_token) = s.user("Bob").await;
    let ws = s.workshop(&ada_token, "Sprint workshop").await;
    let start = (Utc::now() + Duration::days(3)).date_naive().to_string();

    let too_many = s
        .post(
            "/api/series",
            &ada_token,
            series_body(&ws, &start, json!({"kind": "count", "count": 53}), false),
        )
        .await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    assert_eq!(too_many.body["field"], "count");
    assert!(too_many.body["error"]
        .as_str()
        .unwrap()
        .ends_with("Maximum 52 instances allowed"));
    let past = s
        .post(
            "/api/series",
            &ada_token,
            series_body(&ws, "2020-01-07", json!({"kind": "never"}), false),
        )
        .await;
    assert_eq!(past.status, StatusCode::BAD_REQUEST);
    assert_eq!(past.body["field"], "startDate");

    // Bob may not schedule in Ada's workshop: it looks missing.
    let bob = s
        .post(
            "/api/series",
            &bob_token,
            series_body(&ws, &start, json!({"kind": "never"}), false),
        )
        .await;
    assert_eq!(bob.status, StatusCode::NOT_FOUND);

    let made = s
        .post(
            "/api/series",
            &ada_token,
            series_body(&ws, &start, json!({"kind": "count", "count": 10}), true),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let sessions = made.body["sessions"].as_array().unwrap();
    assert!(!sessions.is_empty());
    assert!(sessions.iter().all(|o| o["isPrivate"] == true));
    assert!(made.body["series"]["rrule"]
        .as_str()
        .unwrap()
        .starts_with("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;COUNT=10"));

    let listed = s.get("/api/series?host=me", &ada_token).await;
    assert_eq!(listed.status, StatusCode::OK);
    let one = &listed.body["series"][0];
    assert_eq!(one["hostId"], ada.as_str());
    assert_eq!(one["workshopCount"], sessions.len() as i64);
    assert!(one["nextOccurrence"].as_str().is_some());
    assert!(one["descriptionText"]
        .as_str()
        .unwrap()
        .starts_with("every 2 weeks on Tuesday and Sunday at 19:00 (New York time)"));
    // Bob sees none of it.
    let theirs = s.get("/api/series", &bob_token).await;
    assert_eq!(theirs.body["series"], json!([]));
    let sessions_bob = s
        .get(&format!("/api/workshops/{ws}/sessions"), &bob_token)
        .await;
    assert_eq!(sessions_bob.body["sessions"], json!([]));

    // A single session, then cancelled: kept, cancelled.
    let at = (Utc::now() + Duration::days(1)).to_rfc3339();
    let single = s
        .post(
            &format!("/api/workshops/{ws}/sessions"),
            &ada_token,
            json!({"scheduledAt": at, "durationMinutes": 10}),
        )
        .await;
    assert_eq!(single.status, StatusCode::BAD_REQUEST);
    assert_eq!(single.body["field"], "durationMinutes");
    let single = s
        .post(
            &format!("/api/workshops/{ws}/sessions"),
            &ada_token,
            json!({"scheduledAt": at, "durationMinutes": 45, "maxCapacity": 12}),
        )
        .await;
    assert_eq!(single.status, StatusCode::CREATED, "{}", single.body);
    let id = single.body["session"]["id"].as_str().unwrap().to_string();
    let denied = s
        .post(
            &format!("/api/workshops/{ws}/sessions/{id}/cancel"),
            &bob_token,
            json!({}),
        )
        .await;
    assert_eq!(denied.status, StatusCode::NOT_FOUND);
    let cancelled = s
        .post(
            &format!("/api/workshops/{ws}/sessions/{id}/cancel"),
            &ada_token,
            json!({}),
        )
        .await;
    assert_eq!(cancelled.body["session"]["status"], "cancelled");
}

/// A server with Ada's workshop and a never-ending series on it from two days on; the
/// server and the series' creation answer.
async fn endless_series_from_in_two_days(private: bool) -> (common::TestServer, common::Reply) {
    let s = server().await;
    let (_, token) = s.user("Ada").await;
    let ws = s.workshop(&token, "Sprint workshop").await;
    let start = (Utc::now() + Duration::days(2)).date_naive().to_string();
    let made = s
        .post(
            "/api/series",
            &token,
            series_body(&ws, &start, json!({"kind": "never"}), private),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    (s, made)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_job_runs_at_once_make_each_occurrence_once_and_keep_privacy() {
    let (s, made) = endless_series_from_in_two_days(true).await;
    let first = made.body["sessions"].as_array().unwrap().len() as i64;

    // 75 days on: the latest occurrence is less than 30 days away. Two processes (two
    // pools) run the job at the same instant.
    let later = Utc::now() + Duration::days(75);
    let other = sqlx::postgres::PgPoolOptions::new()
        .max_connections(5)
        .connect_with((*s.pool.connect_options()).clone())
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        wp_server::rolling::run_once(&s.pool, later),
        wp_server::rolling::run_once(&other, later)
    );
    let total = a.unwrap() + b.unwrap();
    assert!(total > 0);
    let rows: Vec<(String, bool, chrono::DateTime<Utc>)> = sqlx::query_as(
        "SELECT local_date::text, is_private, scheduled_at FROM sessions ORDER BY scheduled_at",
    )
    .fetch_all(&s.pool)
    .await
    .unwrap();
    assert_eq!(rows.len() as i64, first + total as i64, "each made once");
    let mut dates: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    dates.dedup();
    assert_eq!(dates.len(), rows.len(), "one row per local date");
    assert!(
        rows.iter().all(|r| r.1),
        "rolled occurrences keep the series' privacy"
    );
    assert!(rows.iter().all(|r| r.2 >= Utc::now()), "none in the past");
    // Nothing more is due right after.
    assert_eq!(
        wp_server::rolling::run_once(&s.pool, later).await.unwrap(),
        0
    );
}

/// The job picks series by the domain's rule (the latest occurrence's local date), not by the
/// latest instant: an occurrence moved far later must not make the job skip a series the app
/// would roll.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_moved_later_does_not_hide_a_due_series_from_the_job() {
    let (s, _) = endless_series_from_in_two_days(false).await;
    // The last occurrence is moved 60 days later (as an edit of one session does).
    sqlx::query(
        "UPDATE sessions SET scheduled_at = scheduled_at + interval '60 days'
         WHERE id = (SELECT id FROM sessions ORDER BY local_date DESC LIMIT 1)",
    )
    .execute(&s.pool)
    .await
    .unwrap();
    // 75 days on, the latest occurrence's date is less than 30 days away: due.
    let later = Utc::now() + Duration::days(75);
    let rolled = wp_server::rolling::run_once(&s.pool, later).await.unwrap();
    assert!(rolled > 0, "the series was skipped");
}
