//! Request bodies that are malformed, over the limits or of the wrong types get 400 naming
//! the field, and change nothing.

mod common;

use common::server;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn bad_bodies_name_the_field() {
    let s = server().await;
    let (_, token) = s.user("Ada").await;
    let id = s.workshop(&token, "Valid").await;
    let cases = vec![
        ("/api/workshops".to_string(), json!({ "title": 5 }), "title", "title: invalid type: integer `5`, expected a string"),
        ("/api/workshops".to_string(), json!({ "title": "t".repeat(101) }), "title", "title must be 1 to 100 characters after trimming (got 101)"),
        ("/api/workshops".to_string(), json!({ "title": "   " }), "title", "title must be 1 to 100 characters after trimming (got 0)"),
        ("/api/workshops".to_string(), json!({ "titel": "typo" }), "titel", "titel: unknown field `titel`, expected one of `id`, `title`, `originalIdea`, `visibility`, `steps`"),
        ("/api/workshops".to_string(), json!({ "visibility": "public" }), "visibility", "visibility must be one of private, shared"),
        (format!("/api/workshops/{id}/members"), json!({ "userId": 7, "role": "editor" }), "userId", "userId: invalid type: integer `7`, expected a string"),
    ];
    for (path, body, field, message) in cases {
        let r = s.post(&path, &token, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert_eq!(
            (r.body["field"].as_str(), r.body["error"].as_str()),
            (Some(field), Some(message)),
            "{body}"
        );
    }
    let notes = format!("/api/workshops/{id}/notes");
    let r = s.put(&notes, &token, json!({})).await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("content"))
    );
    let r = s
        .put(&notes, &token, json!({ "content": ["not", "text"] }))
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("content"))
    );
    let r = s
        .patch(
            &format!("/api/workshops/{id}"),
            &token,
            json!({ "status": "completed" }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("status"))
    );
    let r = s
        .patch(
            &format!("/api/workshops/{id}"),
            &token,
            json!({ "title": "" }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("title"))
    );
    let r = s
        .put(
            &format!("/api/workshops/{id}/steps/persona/output"),
            &token,
            json!({ "output": "Sarah" }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("output"))
    );
    assert_eq!(
        s.stored(&id).await,
        ("Valid".into(), "active".into(), 1, false),
        "nothing changed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_and_wrong_content_types_are_refused() {
    let s = server().await;
    let (_, token) = s.user("Ada").await;
    let url = format!("{}/api/workshops", s.base);
    let r = s
        .client
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("Request body is not valid JSON"),
        "{body}"
    );
    let r = s
        .client
        .post(&url)
        .bearer_auth(&token)
        .body("title=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = json!({ "content": "x".repeat(2 * 1024 * 1024) });
    let id = s.workshop(&token, "Big").await;
    let r = s
        .put(&format!("/api/workshops/{id}/notes"), &token, huge)
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body["error"].as_str().unwrap().contains("larger than"));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM workshops")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn graceful_shutdown_finishes_requests_in_flight() {
    let mut s = server().await;
    let (_, token) = s.user("Ada").await;
    let id = s.workshop(&token, "Slow").await;
    // A request whose body arrives slowly is in flight when shutdown begins.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let body = reqwest::Body::wrap_stream(tokio_stream_from(rx));
    let request = s
        .client
        .put(format!("{}/api/workshops/{id}/notes", s.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(body)
        .send();
    let in_flight = tokio::spawn(request);
    tx.send(Ok(b"{\"content\": \"saved during shut".to_vec()))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    s.shutdown.take().unwrap().send(()).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    tx.send(Ok(b"down\"}".to_vec())).await.unwrap();
    drop(tx);
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    tokio::time::timeout(std::time::Duration::from_secs(5), s.handle.take().unwrap())
        .await
        .expect("server stopped")
        .unwrap();
    let content: String = sqlx::query_scalar("SELECT content FROM notes")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(content, "saved during shutdown");
    // New connections are refused once the server has stopped.
    assert!(s
        .client
        .get(format!("{}/health", s.base))
        .send()
        .await
        .is_err());
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
