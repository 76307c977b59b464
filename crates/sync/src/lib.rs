//! The sync client (docs/sync.md): used by the desktop app and the CLI, no Tauri.
//!
//! [`sign_in`] checks a server URL and a personal access token against the server, binds
//! the local database to that account ([`wp_store::Store::bind_account`]) and keeps the
//! token in the OS keyring ([`token`]). [`sync_round`] pushes the store's queued mutations
//! and pulls the server's changes into it. Every network call goes through [`Api`], which
//! retries with backoff and never puts the token in a message.

pub mod api;
pub mod background;
mod error;
pub mod events;
mod round;
pub mod snapshot;
pub mod token;

pub use api::{check_url, Api, Me, PushRefused, RetryPolicy, Transport};
pub use background::{start as start_background, Phase, SyncEvent, SyncHandle, SyncStatus, Timing};
pub use error::SyncError;
pub use round::{sync_round, Progress, RoundOptions, RoundReport, PULL_PAGE, PUSH_BATCH};

use wp_store::{Store, SyncState};

/// Where a sign-in keeps the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepToken {
    /// In the OS keyring (the Secret Service on Linux).
    Keyring,
    /// Nowhere: the caller holds it (for this run only, or `$WORKSHOPPILOT_TOKEN`).
    Nowhere,
}

/// Signs in: checks `server_url` and `token` against the server ([`check_account`])
/// before keeping anything, then binds the database to that user and keeps the token
/// ([`bind_account`]).
pub async fn sign_in(
    store: &mut Store,
    server_url: &str,
    token: &str,
    keep: KeepToken,
) -> Result<(Me, SyncState), SyncError> {
    let (url, me) = check_account(server_url, token).await?;
    let state = bind_account(store, &url, &me, token, keep)?;
    Ok((me, state))
}

/// The network half of a sign-in: checks `server_url` ([`check_url`]) and asks the server
/// who `token` belongs to (`GET /api/me`), refusing another sync protocol version. Returns
/// the normalised URL (no trailing slash) and the user. Touches no database, so a caller
/// can run it without holding its store.
pub async fn check_account(server_url: &str, token: &str) -> Result<(String, Me), SyncError> {
    let url = check_url(server_url)?;
    let url = url.as_str().trim_end_matches('/').to_string();
    let api = Api::new(&url, token.trim().to_string(), RetryPolicy::default())?;
    let me = api.me().await?;
    if me.protocol_version != wp_domain::mutation::PROTOCOL_VERSION {
        return Err(SyncError::Protocol(format!(
            "the server speaks sync protocol {}, this app {}",
            me.protocol_version,
            wp_domain::mutation::PROTOCOL_VERSION
        )));
    }
    Ok((url, me))
}

/// The local half of a sign-in, after [`check_account`]: binds the database to the user
/// (refused for another account: [`wp_store::StoreError::OtherAccount`]), then keeps the
/// token as `keep` says. A keyring failure comes after the binding, which stays (signing in
/// again to the same account changes nothing), so the caller may retry with
/// [`KeepToken::Nowhere`].
pub fn bind_account(
    store: &mut Store,
    url: &str,
    me: &Me,
    token: &str,
    keep: KeepToken,
) -> Result<SyncState, SyncError> {
    let state = store.bind_account(url, &me.user.id)?;
    if keep == KeepToken::Keyring {
        token::save(url, token.trim())?;
    }
    Ok(state)
}

/// Signs out: deletes the token from the keyring and says what it found there. The database stays bound to its account
/// (so another account cannot sign in to it) and keeps every workshop and queued change.
pub fn sign_out(store: &Store) -> Result<Option<(SyncState, token::Deleted)>, SyncError> {
    let Some(state) = store.sync_state()? else {
        return Ok(None);
    };
    let deleted = token::delete(&state.server_url)?;
    Ok(Some((state, deleted)))
}

/// An [`Api`] for the account this database is bound to, with the token from
/// `$WORKSHOPPILOT_TOKEN` or the keyring.
pub fn api_for(store: &Store, retry: RetryPolicy) -> Result<Api, SyncError> {
    let state = store.sync_state()?.ok_or(SyncError::NotSignedIn)?;
    let token = token::load(&state.server_url)?;
    Api::new(&state.server_url, token, retry)
}

/// People on the account's server whose name contains `query`, at most 20, to share a
/// workshop with (`GET /api/users?q=`). `memory_token` is the token kept in memory for this
/// run ([`SyncHandle::memory_token`]); without it the token comes from
/// `$WORKSHOPPILOT_TOKEN` or the keyring. No retries: the user is typing. Errors:
/// [`SyncError::NotSignedIn`], the server's 400 naming `q` (fewer than 3 characters), its 429
/// when searched too often, the keyring's and the network's.
pub async fn find_people(
    account: &SyncState,
    memory_token: Option<String>,
    query: &str,
) -> Result<Vec<wp_domain::protocol::MeUser>, SyncError> {
    let token = match memory_token {
        Some(token) => token,
        None => token::load(&account.server_url)?,
    };
    let retry = RetryPolicy {
        retries: 0,
        ..RetryPolicy::default()
    };
    let api = Api::new(&account.server_url, token, retry)?;
    Ok(api.people(query).await?.users)
}
