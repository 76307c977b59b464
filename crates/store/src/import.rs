//! Importing a workshop from a JSON file in the shape of `fixtures/pawpal.workshop.json`:
//! `{title, source?, originalIdea?, steps: {<step id>: {artifact, summary?}}}`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use wp_domain::{limits, schema, steps};

use crate::{Result, Store, StoreError, WorkshopDetail};

/// The import file's shape. Unknown top-level keys are ignored; step outputs are kept whole.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportFile {
    pub title: Option<String>,
    #[serde(default)]
    pub original_idea: String,
    #[serde(default)]
    pub steps: BTreeMap<String, ImportStep>,
}

/// One step in an import file: its output (`artifact`) and summary.
#[derive(Debug, Deserialize)]
pub struct ImportStep {
    pub artifact: Option<Value>,
    pub summary: Option<String>,
}

impl Store {
    /// Imports a workshop from the text of an import file, in one transaction.
    ///
    /// Every step output is validated first; with any problem (not JSON, wrong shape, a bad
    /// title, an unknown step, an invalid output) nothing is imported and
    /// [`StoreError::InvalidImport`] lists each problem with its step and field. The new
    /// workshop's first step is in progress and the rest not started, outputs in place.
    pub fn import_workshop(&mut self, json_text: &str) -> Result<WorkshopDetail> {
        let file: ImportFile =
            serde_json::from_str(json_text).map_err(|e| StoreError::InvalidImport {
                problems: vec![format!("not a workshop file: {e}")],
            })?;
        let mut problems = Vec::new();
        let title = limits::normalize_title(file.title.as_deref())
            .map_err(|e| problems.push(e.to_string()))
            .ok();
        let mut outputs = Vec::new();
        for (step_id, step) in file.steps {
            if let Err(e) = steps::find(&step_id) {
                problems.push(e.to_string());
                continue;
            }
            if let Some(artifact) = &step.artifact {
                if let Err(e) = schema::validate(&step_id, artifact) {
                    problems.push(e.to_string());
                }
            }
            outputs.push((step_id, step.artifact, step.summary));
        }
        let Some(title) = title.filter(|_| problems.is_empty()) else {
            return Err(StoreError::InvalidImport { problems });
        };
        let id = wp_domain::ids::new_id(wp_domain::ids::IdKind::Workshop);
        let mut steps = wp_domain::Mutation::new_steps();
        for (step_id, output, summary) in outputs {
            if let Some(step) = steps.iter_mut().find(|s| s.step_id == step_id) {
                step.output = output;
                step.summary = summary;
            }
        }
        self.mutate(wp_domain::Mutation::CreateWorkshop {
            workshop_id: id.clone(),
            title,
            original_idea: file.original_idea.trim().to_string(),
            steps,
            at: crate::now(),
        })?;
        self.workshop(&id)
    }
}
