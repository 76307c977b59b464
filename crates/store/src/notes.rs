//! Private facilitator notes, one per workshop and one per workshop step, saved whole.

use wp_domain::ids::{new_id, IdKind};
use wp_domain::{steps, Change, Mutation};

use crate::rows::read::{self, find};
use crate::rows::write::Written;
use crate::{now, Note, Result, Store, StoreError};

impl Store {
    /// Saves a note whole, replacing the previous text, on the workshop (`step_id` `None`)
    /// or on one of its steps.
    ///
    /// Errors with [`wp_domain::DomainError::NoteTooLong`] past 50,000 characters (the
    /// original server's cap), leaving the previous text as it was.
    pub fn set_note(
        &mut self,
        workshop_id: &str,
        step_id: Option<&str>,
        content: &str,
    ) -> Result<Note> {
        self.save_note(workshop_id, step_id, content, None)
    }

    /// [`Store::set_note`] from an editor: `started_from` is the text the editor showed when
    /// the user began ("" for no note yet). A change that arrived meanwhile (from another
    /// device) is merged by line with this one, as the server merges, instead of being put
    /// back by a save made from the newer text.
    pub fn set_note_from(
        &mut self,
        workshop_id: &str,
        step_id: Option<&str>,
        content: &str,
        started_from: &str,
    ) -> Result<Note> {
        self.save_note(
            workshop_id,
            step_id,
            content,
            Some(started_from.to_string()),
        )
    }

    /// Saves a note made from `base` (`None`: the local note when it is saved).
    fn save_note(
        &mut self,
        workshop_id: &str,
        step_id: Option<&str>,
        content: &str,
        base: Option<String>,
    ) -> Result<Note> {
        let written = self.mutate(Mutation::SetNote {
            note_id: new_id(IdKind::Note),
            workshop_id: workshop_id.to_string(),
            step_id: step_id.map(str::to_string),
            content: content.to_string(),
            base,
            at: now(),
        })?;
        if let Some(Written {
            change: Change::Note(n),
            rev,
        }) = written.into_iter().next()
        {
            return Ok(Note { record: n, rev });
        }
        // The same text again: nothing changed.
        self.note(workshop_id, step_id)?
            .ok_or_else(|| StoreError::NotFound {
                entity: "note",
                id: workshop_id.to_string(),
            })
    }

    /// The note on a workshop or one of its steps; `None` if none was saved.
    pub fn note(&self, workshop_id: &str, step_id: Option<&str>) -> Result<Option<Note>> {
        find(&self.conn, workshop_id)?;
        if let Some(step) = step_id {
            steps::find(step)?;
        }
        read::note(&self.conn, workshop_id, step_id)
    }

    /// All notes of a workshop: the workshop's own first, then by step order.
    pub fn notes(&self, workshop_id: &str) -> Result<Vec<Note>> {
        find(&self.conn, workshop_id)?;
        read::notes(&self.conn, workshop_id)
    }
}
