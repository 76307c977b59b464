//! TypeScript declarations of everything that crosses the IPC boundary, generated from the
//! Rust types with ts-rs into `ui/src/lib/bindings/`. A test fails when the committed files
//! are stale; `UPDATE_BINDINGS=1 cargo test -p workshoppilot-desktop bindings` rewrites them.

use std::path::Path;

use ts_rs::{Config, TS};

use crate::commands::{AppInfo, BuildPackPreview};
use crate::error::AppError;

/// Writes every declaration into `dir`, one file per type.
pub fn export(dir: &Path) -> Result<(), ts_rs::ExportError> {
    let config = Config::new().with_out_dir(dir).with_large_int("number");
    AppInfo::export_all(&config)?;
    AppError::export_all(&config)?;
    BuildPackPreview::export_all(&config)?;
    wp_domain::schema::StepSchema::export_all(&config)?;
    wp_store::WorkshopSummary::export_all(&config)?;
    wp_store::WorkshopDetail::export_all(&config)?;
    wp_store::Note::export_all(&config)?;
    wp_store::Exported::export_all(&config)?;
    wp_store::Member::export_all(&config)?;
    wp_sync::SyncStatus::export_all(&config)?;
    crate::sync::SignedIn::export_all(&config)?;
    crate::sync::SignedOut::export_all(&config)?;
    crate::sync::ConflictItem::export_all(&config)?;
    wp_store::Rejection::export_all(&config)?;
    wp_domain::mutation::Resolution::export_all(&config)?;
    wp_store::WorkshopSchedule::export_all(&config)?;
    wp_store::AgendaItem::export_all(&config)?;
    wp_store::SeriesPreview::export_all(&config)?;
    wp_domain::mutation::SeriesForm::export_all(&config)?;
    wp_domain::mutation::SessionForm::export_all(&config)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn files(dir: &Path) -> BTreeMap<PathBuf, String> {
        let mut out = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "ts") {
                    out.insert(
                        path.strip_prefix(dir).unwrap().to_path_buf(),
                        std::fs::read_to_string(&path).unwrap(),
                    );
                }
            }
        }
        out
    }

    use super::*;

    #[test]
    fn bindings_are_up_to_date() {
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings");
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            let _ = std::fs::remove_dir_all(&committed);
            export(&committed).unwrap();
        }
        let fresh = tempfile::tempdir().unwrap();
        export(fresh.path()).unwrap();
        let (want, have) = (files(fresh.path()), files(&committed));
        assert!(!want.is_empty());
        assert_eq!(
            want.keys().collect::<Vec<_>>(),
            have.keys().collect::<Vec<_>>(),
            "ui/src/lib/bindings is stale: run UPDATE_BINDINGS=1 cargo test -p workshoppilot-desktop bindings"
        );
        for (path, text) in &want {
            assert_eq!(
                Some(text),
                have.get(path),
                "{} is stale: run UPDATE_BINDINGS=1 cargo test -p workshoppilot-desktop bindings",
                path.display()
            );
        }
    }
}
