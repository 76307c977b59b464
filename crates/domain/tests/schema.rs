//! Step output validation against the real PawPal workshop and against broken variants of it.

use serde_json::{json, Value};
use wp_domain::{schema, DomainError, FieldError, STEPS};

fn pawpal() -> Value {
    serde_json::from_str(include_str!("../../../tests/fixtures/pawpal.workshop.json")).unwrap()
}

fn artifact(step: &str) -> Value {
    pawpal()["steps"][step]["artifact"].clone()
}

fn errors(step: &str, output: &Value) -> Vec<FieldError> {
    match schema::validate(step, output) {
        Err(DomainError::InvalidOutput { step: s, errors }) => {
            assert_eq!(s, step);
            errors
        }
        other => panic!("expected InvalidOutput, got {other:?}"),
    }
}

fn rule(step: &str, output: &Value) -> String {
    errors(step, output)
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn every_pawpal_step_output_is_valid() {
    for def in STEPS {
        schema::validate(def.id, &artifact(def.id)).unwrap_or_else(|e| panic!("{}: {e}", def.id));
    }
}

#[test]
fn unknown_fields_are_allowed_everywhere() {
    let concept = artifact("concept");
    assert!(
        concept["concepts"][0]["billboardHero"].is_object(),
        "PawPal carries an unlisted field"
    );
    let mut challenge = artifact("challenge");
    challenge["facilitatorMood"] = json!({"any": ["shape"]});
    assert!(schema::validate("challenge", &challenge).is_ok());
}

#[test]
fn required_fields_and_blank_text_are_named() {
    let mut c = artifact("challenge");
    c.as_object_mut().unwrap().remove("hmwStatement");
    c["targetUser"] = json!("   ");
    assert_eq!(
        rule("challenge", &c),
        "targetUser must not be blank; hmwStatement is required"
    );
}

#[test]
fn enums_name_their_options() {
    let mut s = artifact("stakeholder-mapping");
    s["stakeholders"][2]["category"] = json!("partner");
    assert_eq!(
        rule("stakeholder-mapping", &s),
        "stakeholders[2].category must be one of core, direct, indirect, got \"partner\""
    );
    let mut c = artifact("challenge");
    c["altitude"] = json!("stratospheric");
    assert!(rule("challenge", &c).starts_with("altitude must be one of specific, balanced, broad"));
}

#[test]
fn list_lengths_are_checked_with_the_limit() {
    let mut r = artifact("user-research");
    r["interviewQuestions"] = json!(vec!["q"; 9]);
    assert_eq!(
        rule("user-research", &r),
        "interviewQuestions must have 1 to 8 items, has 9"
    );
    let mut s = artifact("sense-making");
    s["themes"] = json!([s["themes"][0].clone()]);
    assert_eq!(
        rule("sense-making", &s),
        "themes must have 2 to 5 items, has 1"
    );
    let mut c = artifact("concept");
    c["concepts"][1]["swot"]["threats"] = json!(["only", "two"]);
    assert_eq!(
        rule("concept", &c),
        "concepts[1].swot.threats must have exactly 3 items, has 2"
    );
    let mut j = artifact("journey-mapping");
    j["stages"] = json!(j["stages"].as_array().unwrap()[..3]);
    assert_eq!(
        rule("journey-mapping", &j),
        "stages must have 4 to 8 items, has 3"
    );
    let mut i = artifact("ideation");
    i["clusters"][2]["ideas"] = json!([i["clusters"][2]["ideas"][0].clone()]);
    assert_eq!(
        rule("ideation", &i),
        "clusters[2].ideas must have at least 2 items, has 1"
    );
}

#[test]
fn scores_and_ages_are_whole_numbers_in_range() {
    let mut c = artifact("concept");
    c["concepts"][0]["feasibility"]["technical"] = json!(7);
    c["concepts"][0]["feasibility"]["business"] = json!(3.5);
    assert_eq!(
        rule("concept", &c),
        "concepts[0].feasibility.technical must be a whole number from 1 to 5, got 7; \
         concepts[0].feasibility.business must be a whole number from 1 to 5, got 3.5"
    );
    let mut p = artifact("persona");
    p["age"] = json!(17);
    assert_eq!(
        rule("persona", &p),
        "age must be a whole number from 18 to 100, got 17"
    );
    p["age"] = Value::Null;
    assert!(
        schema::validate("persona", &p).is_ok(),
        "optional fields may be null"
    );
}

#[test]
fn wrong_types_are_named() {
    assert_eq!(
        rule("persona", &json!([1, 2])),
        "the output must be a JSON object, got a list"
    );
    let mut p = artifact("persona");
    p["goals"] = json!("be happy");
    p["stages"] = json!(1);
    assert_eq!(
        rule("persona", &p),
        "goals must be a list of text, got text"
    );
    let mut j = artifact("journey-mapping");
    j["stages"][4]["isDip"] = json!("yes");
    assert_eq!(
        rule("journey-mapping", &j),
        "stages[4].isDip must be true or false, got \"yes\""
    );
}

#[test]
fn validation_plans_follow_the_original_shape() {
    let mut v = artifact("validate");
    v["validationPlans"] = json!([{
        "conceptName": "PawPal Autopilot", "outputType": "app_digital",
        "assumption": "Owners will let the app read their calendar", "lens": "desirability",
        "artifactLabel": "Clickable prototype",
        "signal": {"metric": "owners who connect a calendar", "metricType": "count", "target": 8, "sampleSize": 10, "killThreshold": 4},
        "result": {"actual": 9, "score": 100, "verdict": "validated"}
    }]);
    assert!(schema::validate("validate", &v).is_ok());
    v["validationPlans"][0]["lens"] = json!("vibes");
    v["validationPlans"][0]["result"]["score"] = json!(101);
    assert_eq!(
        rule("validate", &v),
        "validationPlans[0].lens must be one of desirability, feasibility, viability, got \"vibes\"; \
         validationPlans[0].result.score must be a whole number from 0 to 100, got 101"
    );
}

#[test]
fn unknown_steps_are_refused() {
    assert_eq!(
        schema::validate("summary", &json!({})),
        Err(DomainError::UnknownStep("summary".into()))
    );
}

#[test]
fn every_step_has_a_schema() {
    for def in STEPS {
        assert!(!schema::fields(def.id).unwrap().is_empty(), "{}", def.id);
    }
}

/// Each broken rule also reads in the field's own words, for the form beside the field.
#[test]
fn each_broken_rule_has_a_message_in_the_fields_words() {
    let mut p = artifact("persona");
    p["age"] = json!(12);
    p["goals"] = json!(["", "Sleep more"]);
    let messages: Vec<String> = errors("persona", &p)
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(
        messages,
        [
            "Age must be a whole number between 18 and 100",
            "Goals, item 1 cannot be blank"
        ]
    );
    p["goals"] = json!([]);
    p["age"] = json!(30);
    assert_eq!(
        errors("persona", &p)[0].message,
        "Goals needs 1 to 5 items (has 0)"
    );
    let mut c = artifact("concept");
    c["concepts"][0]["feasibility"]["technical"] = json!(7);
    assert_eq!(
        errors("concept", &c)[0].message,
        "Technical feasibility (1-5) must be a whole number between 1 and 5"
    );
}
