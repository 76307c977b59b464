//! Build packs: the documents a facilitator takes away from a workshop, generated offline
//! and deterministically from the workshop's current step outputs (reference/build-pack.md).
//!
//! [`generate`] turns a [`Source`] (a workshop's title, step outputs and, if asked for,
//! notes) into a [`BuildPack`]: the product requirements document, the validation plan
//! (when the validate step has plans) and the workshop summary. Each renders as Markdown,
//! as a standalone sanitized HTML file, or as JSON; [`write_atomically`] puts a rendering
//! on disk without ever leaving a half-written file. The same source always gives the same
//! bytes: nothing here reads a clock.

mod export;
mod html;
mod prd;
pub mod render;
mod summary;
mod text;
mod validation_plan;
mod views;

use serde::Serialize;
use serde_json::{json, Value};

pub use export::{write_atomically, BuildPackError};
pub use text::slug;

/// A workshop as a build pack sees it.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub workshop_title: String,
    /// The steps in order; a step without output has `output: None`.
    pub steps: Vec<SourceStep>,
    /// Facilitator notes, used only when [`Options::include_notes`] is set.
    pub notes: Vec<SourceNote>,
}

/// One step's content.
#[derive(Debug, Clone, Default)]
pub struct SourceStep {
    pub step_id: String,
    pub order: u8,
    pub name: String,
    pub output: Option<Value>,
    pub summary: Option<String>,
    /// The facilitator confirmed the step (it is complete). What a pack draws from an
    /// unconfirmed step's output may still change: its sections say "Draft" and name it.
    pub confirmed: bool,
}

/// A facilitator note: `label` is "Workshop" or the step's name; `content` is Markdown.
#[derive(Debug, Clone, Default)]
pub struct SourceNote {
    pub label: String,
    pub content: String,
}

impl Source {
    /// The names of the steps among `step_ids` that have an output and are not confirmed,
    /// in step order: what makes a section drawn from them a draft.
    pub(crate) fn drafts(&self, step_ids: &[&str]) -> Vec<String> {
        self.steps
            .iter()
            .filter(|s| step_ids.contains(&s.step_id.as_str()))
            .filter(|s| s.output.is_some() && !s.confirmed)
            .map(|s| s.name.clone())
            .collect()
    }

    fn output(&self, step_id: &str) -> Option<&Value> {
        self.steps
            .iter()
            .find(|s| s.step_id == step_id)
            .and_then(|s| s.output.as_ref())
    }
}

/// What to put in a pack.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Add the facilitator's private notes as a last part of the whole pack. Off by default:
    /// notes stay out of every export unless asked for.
    pub include_notes: bool,
}

/// The documents of a build pack. `Pack` is all of them in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Pack,
    Prd,
    ValidationPlan,
    WorkshopSummary,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Pack,
        Kind::Prd,
        Kind::ValidationPlan,
        Kind::WorkshopSummary,
    ];

    /// The stored name: `pack`, `prd`, `validation-plan`, `workshop-summary`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pack => "pack",
            Kind::Prd => "prd",
            Kind::ValidationPlan => "validation-plan",
            Kind::WorkshopSummary => "workshop-summary",
        }
    }

    /// Parses a stored name; errors with [`BuildPackError::UnknownKind`].
    pub fn parse(text: &str) -> Result<Kind, BuildPackError> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| BuildPackError::UnknownKind(text.to_string()))
    }
}

/// The formats a document renders to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Markdown,
    Html,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Markdown, Format::Html, Format::Json];

    /// The stored name: `markdown`, `html`, `json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Json => "json",
        }
    }

    /// The file extension: `md`, `html`, `json`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Json => "json",
        }
    }

    /// Parses `md`/`markdown`, `html`/`htm` or `json`; errors with
    /// [`BuildPackError::UnknownFormat`].
    pub fn parse(text: &str) -> Result<Format, BuildPackError> {
        match text.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(Format::Markdown),
            "html" | "htm" => Ok(Format::Html),
            "json" => Ok(Format::Json),
            _ => Err(BuildPackError::UnknownFormat(text.to_string())),
        }
    }
}

/// One generated document: its title, Markdown and structured content.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub kind: Kind,
    pub title: String,
    pub markdown: String,
    pub content: Value,
}

/// A generated build pack.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildPack {
    pub workshop_title: String,
    /// The PRD, the validation plan (if the workshop has plans) and the workshop summary.
    pub documents: Vec<Document>,
    /// The notes part, present only when notes were asked for and there are some.
    pub notes_markdown: Option<String>,
}

/// A document rendered to one format, ready to store or write.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendering {
    pub kind: Kind,
    pub format: Format,
    pub title: String,
    pub content: String,
}

impl Rendering {
    /// The download file name, `{slug(title)}.{ext}`.
    pub fn file_name(&self) -> String {
        format!("{}.{}", slug(&self.title), self.format.extension())
    }
}

/// Generates a workshop's build pack from its current step outputs.
pub fn generate(source: &Source, options: &Options) -> BuildPack {
    let prd = prd::Prd::from_source(source);
    let mut documents = vec![Document {
        kind: Kind::Prd,
        title: prd.title.clone(),
        markdown: prd.markdown(),
        content: serde_json::to_value(&prd).unwrap_or(Value::Null),
    }];
    let plans = validation_plan::plans(source);
    if !plans.is_empty() {
        documents.push(Document {
            kind: Kind::ValidationPlan,
            title: validation_plan::TITLE.to_string(),
            markdown: validation_plan::markdown(&plans, &source.drafts(&["validate"])),
            content: validation_plan::json(&plans),
        });
    }
    let summary = summary::Summary::from_source(source);
    documents.push(Document {
        kind: Kind::WorkshopSummary,
        title: summary.title.clone(),
        markdown: summary.markdown(),
        content: serde_json::to_value(&summary).unwrap_or(Value::Null),
    });
    let notes: Vec<&SourceNote> = source
        .notes
        .iter()
        .filter(|n| !n.content.trim().is_empty())
        .collect();
    let notes_markdown = (options.include_notes && !notes.is_empty()).then(|| {
        let mut md = String::from("# Facilitator Notes\n");
        for note in notes {
            md.push_str(&format!(
                "\n## {}\n\n{}\n",
                text::inline(&note.label),
                note.content.trim_end()
            ));
        }
        md
    });
    BuildPack {
        workshop_title: source.workshop_title.clone(),
        documents,
        notes_markdown,
    }
}

impl BuildPack {
    /// The whole pack's title, `{workshop} — Build Pack`.
    pub fn title(&self) -> String {
        format!("{} — Build Pack", self.workshop_title)
    }

    /// The kinds this pack can render: `Pack` and each of its documents.
    pub fn kinds(&self) -> Vec<Kind> {
        std::iter::once(Kind::Pack)
            .chain(self.documents.iter().map(|d| d.kind))
            .collect()
    }

    /// The documents of `kind` as sanitized HTML `<article>`s, to show inside an app page
    /// (no cover, no styles). Errors like [`BuildPack::render`].
    pub fn html_preview(&self, kind: Kind) -> Result<String, BuildPackError> {
        let (_, parts) = self.parts(kind)?;
        Ok(html::articles(&parts))
    }

    fn parts(&self, kind: Kind) -> Result<(String, Vec<html::Part<'_>>), BuildPackError> {
        Ok(match kind {
            Kind::Pack => {
                let mut parts: Vec<html::Part<'_>> = self
                    .documents
                    .iter()
                    .map(|d| html::Part {
                        title: &d.title,
                        markdown: &d.markdown,
                    })
                    .collect();
                if let Some(notes) = &self.notes_markdown {
                    parts.push(html::Part {
                        title: "Facilitator Notes",
                        markdown: notes,
                    });
                }
                (self.title(), parts)
            }
            _ => {
                let doc = self
                    .documents
                    .iter()
                    .find(|d| d.kind == kind)
                    .ok_or(BuildPackError::NotAvailable(kind))?;
                (
                    doc.title.clone(),
                    vec![html::Part {
                        title: &doc.title,
                        markdown: &doc.markdown,
                    }],
                )
            }
        })
    }

    /// Renders one kind to one format; errors with [`BuildPackError::NotAvailable`] for a
    /// document this pack does not have (a validation plan without plans).
    pub fn render(&self, kind: Kind, format: Format) -> Result<Rendering, BuildPackError> {
        let (title, parts) = self.parts(kind)?;
        let content = match format {
            Format::Markdown => {
                parts
                    .iter()
                    .map(|p| p.markdown.trim_end())
                    .collect::<Vec<_>>()
                    .join("\n\n---\n\n")
                    + "\n"
            }
            Format::Html => html::standalone(&title, &self.workshop_title, &parts),
            Format::Json => {
                let value = match kind {
                    Kind::Pack => json!({
                        "title": title,
                        "workshop": self.workshop_title,
                        "documents": self.documents.iter().map(|d| json!({"kind": d.kind, "title": d.title, "content": d.content})).collect::<Vec<_>>(),
                        "notes": self.notes_markdown,
                    }),
                    _ => self
                        .documents
                        .iter()
                        .find(|d| d.kind == kind)
                        .map(|d| d.content.clone())
                        .unwrap_or(Value::Null),
                };
                serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
            }
        };
        Ok(Rendering {
            kind,
            format,
            title,
            content,
        })
    }

    /// Every rendering of the pack: each kind it has, in each format.
    pub fn renderings(&self) -> Vec<Rendering> {
        self.kinds()
            .into_iter()
            .flat_map(|kind| {
                Format::ALL
                    .into_iter()
                    .filter_map(move |format| self.render(kind, format).ok())
            })
            .collect()
    }
}
