//! Where the database lives by default.

use std::path::PathBuf;

/// The app's identifier; its data directory is named after it, as Tauri names it.
pub const APP_IDENTIFIER: &str = "ai.workshoppilot.desktop";
/// Environment variable that points the CLI and the app at another data directory
/// (tests use it so they never touch a user's data).
pub const DATA_DIR_ENV: &str = "WORKSHOPPILOT_DATA_DIR";
/// File name of the database inside the data directory.
pub const DB_FILE: &str = "workshoppilot.db";

/// The data directory: `$WORKSHOPPILOT_DATA_DIR` when set, else the platform's data
/// directory joined with [`APP_IDENTIFIER`] (`~/.local/share/ai.workshoppilot.desktop` on
/// Linux, `~/Library/Application Support/...` on macOS, `%APPDATA%\...` on Windows), the
/// same directory Tauri gives the desktop app. `None` if the platform has no data directory.
pub fn data_dir() -> Option<PathBuf> {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => dirs::data_dir().map(|d| d.join(APP_IDENTIFIER)),
    }
}

/// The default database path: [`data_dir`] joined with [`DB_FILE`].
pub fn default_db_path() -> Option<PathBuf> {
    data_dir().map(|d| d.join(DB_FILE))
}
