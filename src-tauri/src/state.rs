//! The app's managed state: the store, opened once at start-up, behind a mutex.

use std::path::PathBuf;
use std::sync::Mutex;

use wp_store::{paths, ErrorCode, Store};

use crate::error::AppError;
use crate::files::FilePicker;

/// What every command shares.
pub struct AppState {
    /// The open store, or why it could not be opened (shown by the UI instead of data).
    store: Result<Mutex<Store>, AppError>,
    /// Where the database is (or would be).
    pub db_path: Option<PathBuf>,
    pub files: FilePicker,
}

impl AppState {
    /// Opens the database in the platform's data directory, or `$WORKSHOPPILOT_DATA_DIR`
    /// (tests point it at a temporary directory). A failure is kept and reported to the UI.
    pub fn open() -> AppState {
        let db_path = paths::default_db_path();
        let store = match &db_path {
            Some(path) => Store::open(path).map(Mutex::new).map_err(AppError::from),
            None => Err(AppError::new(
                ErrorCode::Storage,
                "this system has no data directory for WorkshopPilot",
            )),
        };
        AppState {
            store,
            db_path,
            files: FilePicker::from_env(),
        }
    }

    /// Runs `f` on the store. Errors if the store could not be opened.
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> wp_store::Result<T>,
    ) -> Result<T, AppError> {
        let store = self.store.as_ref().map_err(Clone::clone)?;
        // A panic while holding the lock cannot leave a half-written change (each change is
        // one SQLite transaction), so a poisoned lock is safe to use.
        let mut store = store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(f(&mut store)?)
    }

    /// Why the store could not be opened, if it could not.
    pub fn open_error(&self) -> Option<&AppError> {
        self.store.as_ref().err()
    }
}
