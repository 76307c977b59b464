//! The sync client's error type. No message ever carries the token.

use wp_store::StoreError;

/// What stopped a sign-in or a sync round. Queued mutations are never lost by an error:
/// they stay in the store's outbox for the next round.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// This database is not bound to a server account yet, or no token is available.
    #[error("not signed in: run `workshoppilot login --server URL` (or set WORKSHOPPILOT_TOKEN)")]
    NotSignedIn,
    /// A server URL that would send the token in clear to another machine, or no URL at all.
    #[error("server URL \"{url}\": {reason}")]
    BadUrl { url: String, reason: String },
    /// The server refused the token (401): it was revoked, or it is wrong.
    #[error("the server refused the token (it may have been revoked); sign in again")]
    Unauthorized,
    /// The server could not be reached after the retries.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// The server answered with an error that retrying will not fix.
    #[error("server answered {status}: {message}")]
    Server { status: u16, message: String },
    /// The server speaks another protocol version, or answered a body this client cannot read.
    #[error("incompatible server: {0}")]
    Protocol(String),
    /// There is no usable OS keyring (no Secret Service to talk to), or it failed.
    #[error("keyring: {0}")]
    Keyring(String),
    /// The OS keyring is there but locked, or refused access (its unlock prompt was
    /// dismissed): unlocking it is enough, the token in it is kept.
    #[error("the keyring is locked: unlock it and try again ({0})")]
    KeyringLocked(String),
    /// The local store failed or refused (another account, a newer database...).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Whether the user must sign in (again) before syncing.
    pub fn needs_sign_in(&self) -> bool {
        matches!(self, SyncError::NotSignedIn | SyncError::Unauthorized)
    }
}
