//! The app's managed state: the store, opened once at start-up, behind a mutex.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use wp_store::{paths, Store};
use wp_sync::SyncHandle;

use crate::error::{AppError, ErrorCode};
use crate::files::FilePicker;

/// What every command shares.
pub struct AppState {
    /// The open store, or why it could not be opened (shown by the UI instead of data).
    store: Result<Mutex<Store>, AppError>,
    /// Where the database is (or would be).
    pub db_path: Option<PathBuf>,
    pub files: FilePicker,
    /// Background sync (its own thread and database connection), started once the app
    /// runs; absent when the store could not open.
    pub sync: OnceLock<SyncHandle>,
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
            sync: OnceLock::new(),
        }
    }

    /// Runs `f` on the store. Errors if the store could not be opened.
    pub fn with_store<T, E>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, AppError>
    where
        AppError: From<E>,
    {
        let store = self.store.as_ref().map_err(Clone::clone)?;
        // A panic while holding the lock cannot leave a half-written change (each change is
        // one SQLite transaction), so a poisoned lock is safe to use.
        let mut store = store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(f(&mut store)?)
    }

    /// Runs a change on the store, then tells background sync, which sends it after a
    /// short quiet time. The change is committed before this returns.
    pub fn change<T>(
        &self,
        f: impl FnOnce(&mut Store) -> wp_store::Result<T>,
    ) -> Result<T, AppError> {
        let out = self.with_store(f)?;
        self.nudge();
        Ok(out)
    }

    /// Tells background sync that something changed locally (counts, queue).
    pub fn nudge(&self) {
        if let Some(sync) = self.sync.get() {
            sync.nudge();
        }
    }

    /// Background sync, or a storage error when it never started.
    pub fn sync(&self) -> Result<&SyncHandle, AppError> {
        self.sync.get().ok_or_else(|| {
            self.open_error().cloned().unwrap_or_else(|| {
                AppError::new(ErrorCode::Storage, "background sync is not running")
            })
        })
    }

    /// Why the store could not be opened, if it could not.
    pub fn open_error(&self) -> Option<&AppError> {
        self.store.as_ref().err()
    }
}
