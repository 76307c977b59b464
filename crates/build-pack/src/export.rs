//! Writing a rendering to disk atomically, and the crate's error type.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::Kind;

/// What can go wrong building or exporting a build pack.
#[derive(Debug, thiserror::Error)]
pub enum BuildPackError {
    /// The format is not one of md, html, json.
    #[error("unknown format \"{0}\"; use md, html or json")]
    UnknownFormat(String),
    /// The kind is not one of the build-pack documents.
    #[error(
        "unknown build-pack document \"{0}\"; use pack, prd, validation-plan or workshop-summary"
    )]
    UnknownKind(String),
    /// The pack has no such document (a validation plan needs plans in the validate step).
    #[error("this workshop's build pack has no {} document (the validation plan needs validation plans in the Validate step)", .0.as_str())]
    NotAvailable(Kind),
    /// Writing the file failed; no partial file was left at the destination.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl BuildPackError {
    /// Whether the error comes from the caller's input rather than the file system.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, BuildPackError::Io { .. })
    }
}

/// Writes `bytes` to `path` atomically: into a temporary file in the same directory,
/// flushed to disk, then renamed over `path`. Readers see the old file or the new one,
/// never a half-written one; on error the temporary file is removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), BuildPackError> {
    let io = |source| BuildPackError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".wp-export-")
        .tempfile_in(dir)
        .map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.as_file().sync_all().map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
