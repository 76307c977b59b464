//! The workshop summary (build-pack.md): the validate step's narrative intro, one line per
//! step with its key outputs, the confidence assessment and the recommended next steps.
//! Without step summaries in the validate step, each step's own confirmation summary is used.

use serde::Serialize;

use crate::text::{bullets, inline, paragraphs, MarkdownDoc};
use crate::views::{self, Confidence, Validate};
use crate::Source;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Summary {
    pub title: String,
    pub narrative_intro: Option<String>,
    pub steps: Vec<StepLine>,
    pub confidence_assessment: Option<Confidence>,
    pub recommended_next_steps: Vec<String>,
    /// Per section, the unconfirmed steps it is drawn from (the Markdown marks them Draft).
    #[serde(skip)]
    pub drafts: Vec<(&'static str, Vec<String>)>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StepLine {
    pub step_number: i64,
    pub step_name: String,
    pub key_outputs: Vec<String>,
}

impl Summary {
    pub(crate) fn from_source(source: &Source) -> Summary {
        let validate: Validate = views::read(source.output("validate")).unwrap_or_default();
        // Step by step comes from the validate step's summaries, or each step's own.
        let all_steps: Vec<&str> = source.steps.iter().map(|s| s.step_id.as_str()).collect();
        let by_step = if validate.step_summaries.is_empty() {
            source.drafts(&all_steps)
        } else {
            source.drafts(&["validate"])
        };
        let drafts = vec![
            ("Step by Step", by_step),
            ("Confidence Assessment", source.drafts(&["validate"])),
            ("Recommended Next Steps", source.drafts(&["validate"])),
        ];
        let steps = if validate.step_summaries.is_empty() {
            source
                .steps
                .iter()
                .filter_map(|s| {
                    let lines: Vec<String> = s
                        .summary
                        .as_deref()?
                        .lines()
                        .map(|l| {
                            l.trim()
                                .trim_start_matches(['-', '*', '•'])
                                .trim()
                                .to_string()
                        })
                        .filter(|l| !l.is_empty())
                        .collect();
                    (!lines.is_empty()).then(|| StepLine {
                        step_number: i64::from(s.order),
                        step_name: s.name.clone(),
                        key_outputs: lines,
                    })
                })
                .collect()
        } else {
            validate
                .step_summaries
                .into_iter()
                .map(|s| StepLine {
                    step_number: s.step_number,
                    step_name: s.step_name,
                    key_outputs: s.key_outputs,
                })
                .collect()
        };
        Summary {
            title: format!("{} — Workshop Summary", source.workshop_title),
            narrative_intro: validate.narrative_intro.filter(|n| !n.trim().is_empty()),
            steps,
            confidence_assessment: validate.confidence_assessment,
            recommended_next_steps: validate.recommended_next_steps,
            drafts,
        }
    }

    pub(crate) fn markdown(&self) -> String {
        let mut doc = MarkdownDoc::new(&self.title).drafts(self.drafts.clone());
        if let Some(intro) = &self.narrative_intro {
            doc.push(&paragraphs(intro));
        }
        if !self.steps.is_empty() {
            let lines: Vec<String> = self
                .steps
                .iter()
                .map(|s| {
                    let outputs: Vec<String> = s.key_outputs.iter().map(|o| inline(o)).collect();
                    format!(
                        "- **{}. {}** — {}",
                        s.step_number,
                        inline(&s.step_name),
                        outputs.join("; ")
                    )
                })
                .collect();
            doc.section("Step by Step", lines.join("\n"));
        }
        if let Some(c) = &self.confidence_assessment {
            doc.section(
                "Confidence Assessment",
                format!(
                    "**{}/10** — research quality: {}.\n\n{}",
                    c.score,
                    inline(&c.research_quality),
                    paragraphs(&c.rationale)
                ),
            );
        }
        if let Some(list) = bullets(&self.recommended_next_steps) {
            doc.section("Recommended Next Steps", list);
        }
        doc.finish()
    }
}
