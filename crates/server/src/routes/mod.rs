//! The routes of `reference/server-api.md` that concern what the desktop core holds.

mod bodies;
mod build_packs;
mod health;
mod me;
mod members;
mod mutate;
mod notes;
mod series;
mod steps;
mod users;
mod workshops;

use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Router;

use crate::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::health))
        .route(
            "/api/workshops",
            get(workshops::list).post(workshops::create),
        )
        .route(
            "/api/workshops/{id}",
            get(workshops::get)
                .patch(workshops::update)
                .delete(workshops::delete),
        )
        .route("/api/workshops/{id}/complete", post(workshops::complete))
        .route("/api/workshops/{id}/members", post(members::add))
        .route(
            "/api/workshops/{id}/members/{user_id}",
            axum::routing::delete(members::remove),
        )
        .route(
            "/api/workshops/{id}/steps/{step_id}/complete",
            post(steps::complete),
        )
        .route(
            "/api/workshops/{id}/steps/{step_id}/start",
            post(steps::start),
        )
        .route(
            "/api/workshops/{id}/steps/{step_id}/advance",
            post(steps::advance),
        )
        .route(
            "/api/workshops/{id}/steps/{step_id}/revise",
            post(steps::revise),
        )
        .route(
            "/api/workshops/{id}/steps/{step_id}/output",
            put(steps::save_output),
        )
        .route("/api/workshops/{id}/notes", get(notes::get).put(notes::put))
        .route("/api/workshops/{id}/build-packs", get(build_packs::list))
        .route(
            "/api/workshops/{id}/build-packs/{kind}/{format}",
            put(build_packs::put),
        )
        .route("/api/series", get(series::list).post(series::create))
        .route(
            "/api/workshops/{id}/sessions",
            get(series::list_sessions).post(series::create_session),
        )
        .route(
            "/api/workshops/{id}/sessions/{session_id}/cancel",
            post(series::cancel_session),
        )
        .route("/api/me", get(me::me))
        .route("/api/users", get(users::search))
        .route("/api/sync/push", post(crate::sync::push::push))
        .route("/api/sync/pull", get(crate::sync::pull::pull))
        .route("/api/sync/snapshot", get(crate::sync::snapshot::snapshot))
        .route("/api/sync/events", get(crate::sync::events::events))
        .fallback(|| async { ApiError::not_found("Not found") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
        })
}
