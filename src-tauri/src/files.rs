//! Choosing files: the native open and save dialogs (tauri-plugin-dialog, driven from Rust).
//! The webview never touches the file system; Rust reads the chosen file or writes it.
//!
//! End-to-end tests cannot click through a native dialog, so two environment variables
//! stand in for the person choosing: `WORKSHOPPILOT_E2E_OPEN_FILE` (the file "picked" to
//! import) and `WORKSHOPPILOT_E2E_SAVE_DIR` (the folder an export is "saved" to, under its
//! default name). Without them the real dialogs are shown.

use std::path::PathBuf;

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::{DialogExt, FilePath};

/// How files are chosen.
#[derive(Debug, Clone)]
pub enum FilePicker {
    /// The platform's dialogs.
    Native,
    /// Preset answers, for end-to-end tests.
    Preset {
        open: Option<PathBuf>,
        save_dir: Option<PathBuf>,
    },
}

impl FilePicker {
    pub fn from_env() -> FilePicker {
        let open = std::env::var_os("WORKSHOPPILOT_E2E_OPEN_FILE").map(PathBuf::from);
        let save_dir = std::env::var_os("WORKSHOPPILOT_E2E_SAVE_DIR").map(PathBuf::from);
        if open.is_none() && save_dir.is_none() {
            FilePicker::Native
        } else {
            FilePicker::Preset { open, save_dir }
        }
    }

    /// Asks for a workshop file to import; `None` when the person cancels.
    pub async fn open_workshop<R: Runtime>(&self, app: &AppHandle<R>) -> Option<PathBuf> {
        match self {
            FilePicker::Preset { open, .. } => open.clone(),
            FilePicker::Native => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                app.dialog()
                    .file()
                    .set_title("Import a workshop")
                    .add_filter("Workshop (JSON)", &["json"])
                    .pick_file(move |path| {
                        let _ = tx.send(path);
                    });
                into_path(rx.await.ok().flatten())
            }
        }
    }

    /// Asks where to save an export (the dialog titled `title`), suggesting `file_name`;
    /// `None` when the person cancels.
    pub async fn save_as<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        title: &str,
        file_name: &str,
        extension: &str,
    ) -> Option<PathBuf> {
        match self {
            FilePicker::Preset { save_dir, .. } => save_dir.as_ref().map(|d| d.join(file_name)),
            FilePicker::Native => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                app.dialog()
                    .file()
                    .set_title(title)
                    .set_file_name(file_name)
                    .add_filter(extension.to_uppercase(), &[extension])
                    .save_file(move |path| {
                        let _ = tx.send(path);
                    });
                into_path(rx.await.ok().flatten())
            }
        }
    }
}

fn into_path(path: Option<FilePath>) -> Option<PathBuf> {
    path.and_then(|p| p.into_path().ok())
}
