//! `GET /api/users?q=`: finding people by name to share a workshop with. At least 3
//! characters, at most 20 answers, names starting with the query first, the caller left
//! out, and a rate limit per caller.

mod common;

use common::server;
use reqwest::StatusCode;
use wp_domain::limits::{PEOPLE_RESULTS_MAX, PEOPLE_SEARCHES_PER_MINUTE};

fn names(body: &serde_json::Value) -> Vec<&str> {
    body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn people_are_found_by_part_of_their_name_prefix_first_without_the_caller() {
    let s = server().await;
    let (_, ada) = s.user("Ada Lovelace").await;
    let (adam_id, _) = s.user("adam Smith").await;
    s.user("Grace Hopper").await;
    s.user("Madame Curie").await;
    let r = s.get("/api/users?q=%20ADA%20", &ada).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(names(&r.body), ["adam Smith", "Madame Curie"]);
    assert_eq!(r.body["users"][0]["id"], adam_id.as_str());
    assert_eq!(
        r.body["users"][0].as_object().unwrap().len(),
        2,
        "only {{id, name}}"
    );
    // `%` and `_` are searched for, not patterns.
    let r = s.get("/api/users?q=a%25_", &ada).await;
    assert_eq!((r.status, names(&r.body).len()), (StatusCode::OK, 0));

    for q in ["", "ad", "%20%20ad%20"] {
        let r = s.get(&format!("/api/users?q={q}"), &ada).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q:?}");
        assert_eq!(r.body["field"], "q");
        assert_eq!(r.body["error"], "type at least 3 characters of a name");
    }
    let r = s
        .get(&format!("/api/users?q={}", "a".repeat(101)), &ada)
        .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("a name is at most 100 characters (got 101)")
        )
    );
    let r = s
        .call(reqwest::Method::GET, "/api/users?q=ada", None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn at_most_twenty_answer_and_too_many_searches_get_429() {
    let s = server().await;
    let (_, ada) = s.user("Ada").await;
    let (_, bob) = s.user("Bob").await;
    for i in 0..25 {
        s.user(&format!("Tester {i:02}")).await;
    }
    let r = s.get("/api/users?q=tester", &ada).await;
    assert_eq!(names(&r.body).len(), PEOPLE_RESULTS_MAX);
    assert_eq!(names(&r.body)[0], "Tester 00", "by name");
    for _ in 1..PEOPLE_SEARCHES_PER_MINUTE {
        assert_eq!(
            s.get("/api/users?q=tester", &ada).await.status,
            StatusCode::OK
        );
    }
    let r = s.get("/api/users?q=tester", &ada).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.body["error"],
        "Too many searches for people; wait a minute and try again"
    );
    // The limit is the caller's own: another user still searches.
    assert_eq!(
        s.get("/api/users?q=tester", &bob).await.status,
        StatusCode::OK
    );
}
