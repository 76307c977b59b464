//! Where the personal access token lives: the OS keyring (the Secret Service on Linux), one
//! entry per server and user; `WORKSHOPPILOT_TOKEN` takes its place for scripts and CI, as
//! `GH_TOKEN` does for `gh`. Never in SQLite, logs, exports or error messages.

use keyring::Entry;

use crate::SyncError;

/// The keyring service name of the app's entries.
pub const KEYRING_SERVICE: &str = "ai.workshoppilot.desktop";

/// The environment variable that overrides the keyring.
pub const TOKEN_ENV: &str = "WORKSHOPPILOT_TOKEN";

fn entry(server_url: &str) -> Result<Entry, SyncError> {
    Entry::new(KEYRING_SERVICE, server_url).map_err(keyring_error)
}

/// The keyring crate's error as ours: `NoStorageAccess` (the Secret Service's "locked",
/// or a dismissed unlock prompt) is a locked keyring the user can unlock; anything else
/// (`PlatformFailure`: no Secret Service on the session bus, ...) is a missing or failed one.
pub(crate) fn keyring_error(e: keyring::Error) -> SyncError {
    match e {
        keyring::Error::NoStorageAccess(_) => SyncError::KeyringLocked(e.to_string()),
        _ => SyncError::Keyring(e.to_string()),
    }
}

/// Keeps the token for `server_url` in the OS keyring, replacing any earlier one.
pub fn save(server_url: &str, token: &str) -> Result<(), SyncError> {
    entry(server_url)?
        .set_password(token)
        .map_err(keyring_error)
}

/// The token for `server_url`: `$WORKSHOPPILOT_TOKEN` if set, else the keyring's;
/// [`SyncError::NotSignedIn`] when neither has one.
pub fn load(server_url: &str) -> Result<String, SyncError> {
    if let Ok(token) = std::env::var(TOKEN_ENV) {
        if !token.trim().is_empty() {
            return Ok(token.trim().to_string());
        }
    }
    match entry(server_url)?.get_password() {
        Ok(token) => Ok(token),
        Err(keyring::Error::NoEntry) => Err(SyncError::NotSignedIn),
        Err(e) => Err(keyring_error(e)),
    }
}

/// What deleting the token found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// The keyring held a token and it is gone.
    Token,
    /// The keyring held no token for the server.
    Nothing,
    /// There is no usable keyring (no Secret Service), so it cannot hold a token either.
    NoKeyring,
}

/// Deletes the keyring's token for `server_url`. A locked keyring is an error
/// ([`SyncError::KeyringLocked`]): the token in it stays until it is unlocked.
pub fn delete(server_url: &str) -> Result<Deleted, SyncError> {
    let entry = match Entry::new(KEYRING_SERVICE, server_url) {
        Ok(entry) => entry,
        Err(keyring::Error::PlatformFailure(_)) => return Ok(Deleted::NoKeyring),
        Err(e) => return Err(keyring_error(e)),
    };
    match entry.delete_credential() {
        Ok(()) => Ok(Deleted::Token),
        Err(keyring::Error::NoEntry) => Ok(Deleted::Nothing),
        Err(keyring::Error::PlatformFailure(_)) => Ok(Deleted::NoKeyring),
        Err(e) => Err(keyring_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cause() -> Box<dyn std::error::Error + Send + Sync> {
        "org.freedesktop.Secret.Error.IsLocked".into()
    }

    #[test]
    fn a_locked_keyring_is_told_apart_from_a_missing_one() {
        assert!(matches!(
            keyring_error(keyring::Error::NoStorageAccess(cause())),
            SyncError::KeyringLocked(_)
        ));
        assert!(matches!(
            keyring_error(keyring::Error::PlatformFailure(cause())),
            SyncError::Keyring(_)
        ));
        let locked = keyring_error(keyring::Error::NoStorageAccess(cause())).to_string();
        assert!(
            locked.starts_with("the keyring is locked: unlock it"),
            "{locked}"
        );
    }
}
