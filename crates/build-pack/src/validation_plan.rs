//! The validation plan (build-pack.md), generated from the validate step's
//! `validationPlans` in the layout of the original app's deterministic plan.

use serde_json::{json, Value};

use crate::text::{capitalize, inline, paragraphs};
use crate::views::{self, PlanResult, Signal, Validate, ValidationPlan};
use crate::Source;

/// The title of the validation plan document.
pub const TITLE: &str = "Validation Plan";

const INTRO: &str =
    "Design thinking validates an assumption about a human need — not the thing itself.\n\
Each plan below pre-commits a measurable signal so the result can be scored honestly.";
const DISCLAIMER: &str = "_The validation score is a decision aid — it measures the result against the stated target, not objective truth._";

/// The plans of the validate step; empty when it has none (then there is no document).
pub(crate) fn plans(source: &Source) -> Vec<ValidationPlan> {
    views::read::<Validate>(source.output("validate"))
        .map(|v| v.validation_plans)
        .unwrap_or_default()
}

fn output_type_label(kind: &str) -> String {
    match kind {
        "app_digital" => "App / Digital".into(),
        "physical_product" => "Physical product".into(),
        "service" => "Service".into(),
        "process_change" => "Process change".into(),
        "offering" => "Business offering".into(),
        "experience_design" => "Experience design".into(),
        "brand_comms" => "Brand & communication".into(),
        "campaign" => "Campaign".into(),
        other => inline(other),
    }
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// `metric — target T of N, pivot at ≤K`, or `metric — judged qualitatively with N people`.
pub(crate) fn signal_text(signal: &Signal) -> String {
    let metric = inline(&signal.metric);
    match signal
        .target
        .filter(|_| signal.metric_type != "qualitative")
    {
        Some(target) => {
            let mut text = format!(
                "{metric} — target {} of {}",
                number(target),
                signal.sample_size
            );
            if let Some(k) = signal.kill_threshold {
                text.push_str(&format!(", pivot at ≤{}", number(k)));
            }
            if signal.allow_qualitative {
                text.push_str(" (plus qualitative observations)");
            }
            text
        }
        None => format!(
            "{metric} — judged qualitatively with {} people",
            signal.sample_size
        ),
    }
}

fn result_text(result: &PlanResult) -> String {
    let verdict = capitalize(&result.verdict);
    let score = result
        .score
        .map(|s| format!(" → score {s}/100"))
        .unwrap_or_default();
    let mut text = match result.actual {
        Some(actual) => format!(
            "**Result:** {} measured{score} — {verdict}.",
            number(actual)
        ),
        None => format!("**Result:** judged {verdict}{score}."),
    };
    if let Some(notes) = result.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        text.push_str(&format!("\n\nNotes: {}", inline(notes)));
    }
    text
}

/// The plan in Markdown.
pub(crate) fn markdown(plans: &[ValidationPlan], drafts: &[String]) -> String {
    let mut out = format!("# {TITLE}\n\n{INTRO}\n\n{DISCLAIMER}\n");
    if !drafts.is_empty() {
        out.push_str(&format!(
            "\n> **Draft:** from the step {}, not confirmed yet; it may still change.\n",
            drafts
                .iter()
                .map(|d| inline(d))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for plan in plans {
        let types: Vec<String> = if plan.output_types.is_empty() {
            vec![output_type_label(&plan.output_type)]
        } else {
            plan.output_types
                .iter()
                .map(|t| output_type_label(t))
                .collect()
        };
        out.push_str(&format!(
            "\n## {} — {}\n\n",
            inline(&plan.concept_name),
            capitalize(&plan.lens)
        ));
        out.push_str(&format!("- **Output type:** {}\n", types.join(" + ")));
        out.push_str(&format!(
            "- **Riskiest assumption:** {}\n",
            paragraphs(&plan.assumption).replace("\n\n", " ")
        ));
        out.push_str(&format!("- **Lens:** {}\n", capitalize(&plan.lens)));
        out.push_str(&format!("- **Test:** {}\n", inline(&plan.artifact_label)));
        if let Some(signal) = &plan.signal {
            out.push_str(&format!("- **Success signal:** {}\n", signal_text(signal)));
        }
        match &plan.result {
            Some(result) => out.push_str(&format!("\n{}\n", result_text(result))),
            None => out.push_str("\n_No result recorded yet._\n"),
        }
    }
    out
}

/// The plan's structured content.
pub(crate) fn json(plans: &[ValidationPlan]) -> Value {
    json!({ "title": TITLE, "plans": plans })
}
