//! Build packs of a stored workshop: generated from its current step outputs, stored one
//! row per (workshop, kind, format), exported to a file.

use std::path::PathBuf;

use rusqlite::OptionalExtension;
use wp_build_pack::{
    generate, write_atomically, BuildPack, Kind, Options, Source, SourceNote, SourceStep,
};
use wp_domain::ids::{new_id, IdKind};

use crate::rows::read::{find, live};
use crate::{now, BuildPackRow, Result, Store};

pub use wp_build_pack::Format as ExportFormat;

/// What to export and where.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// The whole pack or one of its documents.
    pub kind: Kind,
    pub format: ExportFormat,
    /// A file path, or an existing directory to write `{slug(title)}.{ext}` into.
    pub out: PathBuf,
    /// Put the facilitator's private notes into the exported pack. The stored pack never
    /// holds notes.
    pub include_notes: bool,
}

/// A written export.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exported {
    pub path: PathBuf,
    pub title: String,
    /// Size of the file written, in bytes.
    pub bytes: usize,
}

impl Store {
    fn build_pack_source(&self, workshop_id: &str) -> Result<Source> {
        let detail = self.workshop(workshop_id)?;
        let notes = self
            .notes(workshop_id)?
            .into_iter()
            .map(|n| SourceNote {
                label: n
                    .record
                    .step_id
                    .as_deref()
                    .and_then(|id| detail.step(id))
                    .map_or_else(|| "Workshop".to_string(), |s| s.name.clone()),
                content: n.record.content,
            })
            .collect();
        Ok(Source {
            workshop_title: detail.workshop.record.title,
            steps: detail
                .steps
                .into_iter()
                .map(|s| SourceStep {
                    step_id: s.record.step_id,
                    order: s.order,
                    name: s.name,
                    confirmed: s.record.status == wp_domain::StepStatus::Complete,
                    output: s.record.output,
                    summary: s.record.summary,
                })
                .collect(),
            notes,
        })
    }

    /// Generates a workshop's build pack from its current step outputs; notes only when asked.
    pub fn build_pack(&self, workshop_id: &str, include_notes: bool) -> Result<BuildPack> {
        Ok(generate(
            &self.build_pack_source(workshop_id)?,
            &Options { include_notes },
        ))
    }

    /// Generates the build pack and stores every document in every format (one row per
    /// workshop, kind and format), in one transaction. Rows whose content did not change
    /// are left as they are; rows of documents the pack no longer has are removed.
    /// Returns the stored rows.
    pub fn generate_build_packs(&mut self, workshop_id: &str) -> Result<Vec<BuildPackRow>> {
        let pack = self.build_pack(workshop_id, false)?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        live(&tx, workshop_id)?;
        let now = now();
        for r in pack.renderings() {
            tx
                .prepare_cached(
                    "INSERT INTO build_packs (id, workshop_id, kind, format, title, content, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
                     ON CONFLICT (workshop_id, kind, format) DO UPDATE
                       SET title = excluded.title, content = excluded.content, updated_at = excluded.updated_at, rev = rev + 1
                       WHERE build_packs.content != excluded.content OR build_packs.title != excluded.title
                     RETURNING id",
                )?
                .query_row(
                    (new_id(IdKind::BuildPack), workshop_id, r.kind.as_str(), r.format.as_str(), &r.title, &r.content, now),
                    |row| row.get::<_, String>(0),
                )
                .optional()?;
        }
        let kinds: Vec<&str> = pack.kinds().iter().map(|k| k.as_str()).collect();
        let stale: Vec<String> = tx
            .prepare("SELECT id, kind FROM build_packs WHERE workshop_id = ?1")?
            .query_map([workshop_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .filter(|(_, kind)| !kinds.contains(&kind.as_str()))
            .map(|(id, _)| id)
            .collect();
        for id in stale {
            tx.execute("DELETE FROM build_packs WHERE id = ?1", [&id])?;
        }
        tx.commit()?;
        self.build_packs(workshop_id)
    }

    /// The stored build-pack rows of a workshop, ordered by kind and format.
    pub fn build_packs(&self, workshop_id: &str) -> Result<Vec<BuildPackRow>> {
        find(&self.conn, workshop_id)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, workshop_id, kind, format, title, content, updated_at FROM build_packs
             WHERE workshop_id = ?1 ORDER BY kind, format",
        )?;
        let rows = stmt.query_map([workshop_id], |r| {
            Ok(BuildPackRow {
                id: r.get(0)?,
                workshop_id: r.get(1)?,
                kind: r.get(2)?,
                format: r.get(3)?,
                title: r.get(4)?,
                content: r.get(5)?,
                updated_at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Generates and stores the build pack, then writes the requested document to a file,
    /// atomically (a temporary file renamed into place). Returns where it was written.
    pub fn export_build_pack(
        &mut self,
        workshop_id: &str,
        request: &ExportRequest,
    ) -> Result<Exported> {
        self.generate_build_packs(workshop_id)?;
        let rendering = self
            .build_pack(workshop_id, request.include_notes)?
            .render(request.kind, request.format)?;
        let path = if request.out.is_dir() {
            request.out.join(rendering.file_name())
        } else {
            request.out.clone()
        };
        write_atomically(&path, rendering.content.as_bytes())?;
        Ok(Exported {
            path,
            title: rendering.title,
            bytes: rendering.content.len(),
        })
    }
}
