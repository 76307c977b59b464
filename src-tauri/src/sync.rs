//! The sync commands: sign-in and sign-out, the status, conflicts, rejections and the
//! mass-delete guard. Each calls `wp-sync` or the store; background sync (started in
//! `lib.rs`) does the network rounds and reports through the `sync-status` and
//! `sync-pulled` events. The token crosses into Rust once, at sign-in, and never back.

use serde::Serialize;
use tauri::State;
use ts_rs::TS;
use wp_domain::mutation::Resolution;
use wp_domain::records::ConflictRecord;
use wp_store::{Rejection, WorkshopFilter};
use wp_sync::{token::Deleted, KeepToken, SyncStatus};

use crate::error::AppError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, AppError>;

/// The latest sync status (the `sync-status` event carries the same).
#[tauri::command]
pub fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus> {
    Ok(state.sync()?.status())
}

/// Runs a round now.
#[tauri::command]
pub fn sync_now(state: State<'_, AppState>) -> Result<()> {
    state.sync()?.sync_now();
    Ok(())
}

/// Who signed in.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    pub server_url: String,
    pub user_name: String,
}

/// Signs in: the URL and token are checked against the server first (nothing is kept if
/// that fails), then the database is bound to the user and the token goes to the OS keyring,
/// or stays in memory for this run when `keep_in_memory` (there is no keyring). Errors:
/// `invalid_input` (the URL), `sign_in` (the token), `unreachable`, `keyring` (no keyring:
/// offer `keep_in_memory`), `keyring_locked` (offer to unlock it and retry, or
/// `keep_in_memory`), `conflict` (this database belongs to another account).
#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    server_url: String,
    token: String,
    keep_in_memory: bool,
) -> Result<SignedIn> {
    let (url, me) = wp_sync::check_account(&server_url, &token).await?;
    let keep = if keep_in_memory {
        KeepToken::Nowhere
    } else {
        KeepToken::Keyring
    };
    state.with_store(|s| wp_sync::bind_account(s, &url, &me, &token, keep))?;
    let token = keep_in_memory.then(|| token.trim().to_string());
    state.sync()?.signed_in(token, me.user.name.clone());
    Ok(SignedIn {
        server_url: url,
        user_name: me.user.name,
    })
}

/// What signing out did and left.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignedOut {
    pub server_url: Option<String>,
    /// The keyring held the token and it is deleted.
    pub token_deleted: bool,
    /// Workshops that stay on this machine.
    pub workshops: usize,
    /// Changes not yet sent; they go at the next sign-in to the same account.
    pub pending: i64,
}

/// Signs out: deletes the token from the keyring and stops background sync. Every
/// workshop and every unsent change stays on this machine. A locked keyring fails it
/// (`keyring_locked`) and nothing changes: the token cannot be deleted until it is unlocked.
#[tauri::command]
pub fn sign_out(state: State<'_, AppState>) -> Result<SignedOut> {
    let (signed, workshops) = state.with_store(|s| {
        let signed = wp_sync::sign_out(s)?;
        let workshops = s.list_workshops(&WorkshopFilter::default())?.len();
        Ok::<_, wp_sync::SyncError>((signed, workshops))
    })?;
    state.sync()?.signed_out();
    Ok(SignedOut {
        server_url: signed.as_ref().map(|(s, _)| s.server_url.clone()),
        token_deleted: matches!(signed, Some((_, Deleted::Token))),
        workshops,
        pending: signed.map(|(s, _)| s.pending).unwrap_or(0),
    })
}

/// Someone on the server, found by name.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// `usr_…`
    pub id: String,
    pub name: String,
}

/// People on the account's server whose name contains `query` (3 to 100 characters), at
/// most 20, names starting with it first: whom to share a workshop with. Errors: `sign_in`
/// (not signed in), `invalid_input` (too short, or searched too often: the server's
/// message), `unreachable`, `keyring`.
#[tauri::command]
pub async fn find_people(state: State<'_, AppState>, query: String) -> Result<Vec<Person>> {
    let account = state
        .with_store(|s| s.sync_state())?
        .ok_or_else(|| AppError::from(wp_sync::SyncError::NotSignedIn))?;
    let people = wp_sync::find_people(&account, state.sync()?.memory_token(), &query).await?;
    Ok(people
        .into_iter()
        .map(|u| Person {
            id: u.id,
            name: u.name,
        })
        .collect())
}

/// An open conflict with its workshop's title.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConflictItem {
    pub conflict: ConflictRecord,
    pub workshop_title: String,
}

/// The open conflicts, oldest first.
#[tauri::command]
pub async fn list_conflicts(state: State<'_, AppState>) -> Result<Vec<ConflictItem>> {
    state.with_store(|s| {
        s.conflicts(true)?
            .into_iter()
            .map(|conflict| {
                let workshop_title = s.workshop(&conflict.workshop_id)?.workshop.record.title;
                Ok(ConflictItem {
                    conflict,
                    workshop_title,
                })
            })
            .collect::<wp_store::Result<Vec<_>>>()
    })
}

/// Resolves a conflict (mine, theirs, or a merged value): a mutation, so it clears on
/// every desktop of the user.
#[tauri::command]
pub async fn resolve_conflict(
    state: State<'_, AppState>,
    id: String,
    resolution: Resolution,
) -> Result<()> {
    state
        .change(|s| s.resolve_conflict(&id, resolution))
        .map(drop)
}

/// Takes a conflict's resolution back (undo): open again, and the value back to the live one
/// it recorded if it still is `kept`, what the resolution wrote (null when it took theirs);
/// a mutation, so it reopens on every desktop of the user.
#[tauri::command]
pub async fn reopen_conflict(
    state: State<'_, AppState>,
    id: String,
    kept: Option<serde_json::Value>,
) -> Result<()> {
    state.change(|s| s.reopen_conflict(&id, kept)).map(drop)
}

/// Changes the server refused, newest first, with its reasons.
#[tauri::command]
pub async fn list_rejections(state: State<'_, AppState>) -> Result<Vec<Rejection>> {
    state.with_store(|s| s.rejections())
}

/// Sends a refused change again with an edited value (a note's text, a title, or a step's
/// output); the refusal leaves the list once the new change is saved and queued.
#[tauri::command]
pub async fn resend_rejection(
    state: State<'_, AppState>,
    id: i64,
    value: serde_json::Value,
) -> Result<()> {
    state.change(|s| s.resend_rejection(id, value))
}

/// Drops a refused change from the list (the local data already follows the server).
#[tauri::command]
pub async fn dismiss_rejection(state: State<'_, AppState>, id: i64) -> Result<()> {
    state.change(|s| s.dismiss_rejection(id))
}

/// The user's word on a held mass delete: `apply` deletes the workshops here; otherwise
/// they are kept, and restored on the server. Returns how many workshops it concerned.
#[tauri::command]
pub async fn decide_held_deletes(state: State<'_, AppState>, apply: bool) -> Result<usize> {
    state.change(|s| {
        if apply {
            s.apply_held_deletes()
        } else {
            s.keep_held_deletes()
        }
    })
}
