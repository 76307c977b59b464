//! The token in a real OS keyring: a gnome-keyring Secret Service, not the mock store.
//! `scripts/test.sh` runs this under `dbus-run-session` with a throwaway, unlocked
//! gnome-keyring (`scripts/keyring-test.sh`); elsewhere it is skipped (ignored).

use wp_sync::token::{self, Deleted};

#[test]
#[ignore = "needs a Secret Service: run by scripts/keyring-test.sh"]
fn the_token_is_kept_read_back_and_deleted_in_the_secret_service() {
    let server = format!("https://keyring-test-{}.example.org", std::process::id());
    std::env::remove_var(token::TOKEN_ENV);
    token::save(&server, "wpt_secret-for-the-keyring-test").unwrap();
    assert_eq!(
        token::load(&server).unwrap(),
        "wpt_secret-for-the-keyring-test",
        "a fresh entry (a new process would make one) reads the saved token back"
    );
    assert_eq!(token::delete(&server).unwrap(), Deleted::Token);
    assert!(matches!(
        token::load(&server),
        Err(wp_sync::SyncError::NotSignedIn)
    ));
    assert_eq!(token::delete(&server).unwrap(), Deleted::Nothing);
}
