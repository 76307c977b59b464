//! A mutation's wire form, `{"name": "renameWorkshop", "args": {...}}`, split into its two
//! halves: the outbox stores them in two columns and a push carries them as two fields
//! (`reference/server-api.md` and `docs/sync.md`). Written once, here; the names come from
//! the [`Mutation`] enum itself (`strum`, camelCase as serde's tag).

use serde_json::{Map, Value};
use strum::VariantNames;

use super::{Mutation, MutationKind};

/// A mutation as it travels: its wire name and its arguments (a JSON object).
#[derive(Debug, Clone, PartialEq)]
pub struct Wire {
    /// The wire name, e.g. `saveStepOutput`: one of [`Mutation::NAMES`].
    pub name: &'static str,
    /// The variant's fields, camelCase.
    pub args: Value,
}

/// Why a wire form is not a mutation this version knows.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// A name this version does not know: a newer client's (or server's) mutation. A server
    /// answers "upgrade required"; nothing is applied.
    #[error("unknown mutation \"{0}\"")]
    UnknownName(String),
    /// A known name whose arguments do not fit it (a missing or mistyped field).
    #[error("{name}: {source}")]
    BadArgs {
        name: String,
        #[source]
        source: serde_json::Error,
    },
    /// The mutation could not be written as JSON (none of its fields can fail to; kept so
    /// that no caller has to assume it).
    #[error("cannot write the mutation {name} as JSON: {source}")]
    Encode {
        name: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

impl MutationKind {
    /// The wire name, e.g. `setNote`.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The kind a wire name stands for; `None` for a name this version does not know.
    pub fn of_name(name: &str) -> Option<MutationKind> {
        name.parse().ok()
    }

    /// `'a', 'b'`: the wire names as an SQL list, for `name IN (...)` over the outbox (the
    /// names are the enum's identifiers, never user text).
    pub fn sql_list(kinds: &[MutationKind]) -> String {
        kinds
            .iter()
            .map(|k| format!("'{}'", k.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Mutation {
    /// Every wire name, one per variant, in declaration order.
    pub const NAMES: &'static [&'static str] = <Mutation as VariantNames>::VARIANTS;

    /// The wire name, e.g. `saveStepOutput`.
    pub fn name(&self) -> &'static str {
        self.into()
    }

    /// Whether `name` is a mutation this version knows.
    pub fn knows(name: &str) -> bool {
        Self::NAMES.contains(&name)
    }

    /// The wire form. Errors: [`WireError::Encode`] (not expected: every field is text,
    /// numbers, times or JSON).
    pub fn to_wire(&self) -> Result<Wire, WireError> {
        let name = self.name();
        let encode = |source| WireError::Encode { name, source };
        match serde_json::to_value(self).map_err(encode)? {
            Value::Object(mut map) => Ok(Wire {
                name,
                args: map.remove("args").unwrap_or(Value::Object(Map::new())),
            }),
            _ => Err(encode(serde::ser::Error::custom("not an object"))),
        }
    }

    /// The mutation of a wire form. Errors: [`WireError::UnknownName`] for a name this
    /// version does not know, [`WireError::BadArgs`] for arguments that do not fit it.
    pub fn from_wire(name: &str, args: Value) -> Result<Mutation, WireError> {
        if !Self::knows(name) {
            return Err(WireError::UnknownName(name.to_string()));
        }
        let mut envelope = Map::with_capacity(2);
        envelope.insert("name".into(), Value::String(name.to_string()));
        envelope.insert("args".into(), args);
        serde_json::from_value(Value::Object(envelope)).map_err(|source| WireError::BadArgs {
            name: name.to_string(),
            source,
        })
    }

    /// The mutation of a stored wire form, its arguments as JSON text (the outbox's
    /// `args` column). Errors: as [`Mutation::from_wire`]; text that is not JSON is
    /// [`WireError::BadArgs`].
    pub fn from_stored(name: &str, args: &str) -> Result<Mutation, WireError> {
        let args = serde_json::from_str(args).map_err(|source| WireError::BadArgs {
            name: name.to_string(),
            source,
        })?;
        Mutation::from_wire(name, args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn a_wire_form_round_trips_and_its_name_is_serdes_tag() {
        let m = Mutation::RenameWorkshop {
            workshop_id: "ws_1".into(),
            title: "New".into(),
            base: Some("Old".into()),
            at: Utc::now(),
        };
        let wire = m.to_wire().unwrap();
        assert_eq!(wire.name, "renameWorkshop");
        assert_eq!(wire.args["title"], "New");
        assert_eq!(wire.args["workshopId"], "ws_1");
        assert_eq!(
            Mutation::from_wire(wire.name, wire.args.clone()).unwrap(),
            m
        );
        assert_eq!(
            Mutation::from_stored(wire.name, &wire.args.to_string()).unwrap(),
            m
        );
    }

    /// A save made when the step had no output carries `base: null`, which is not the
    /// same as no base: read back as no base, the server set the output over a concurrent
    /// first save instead of merging the two (and the desktop, which merged, disagreed).
    #[test]
    fn an_output_saved_over_no_output_keeps_its_null_base() {
        let save = |base| Mutation::SaveStepOutput {
            workshop_id: "ws_1".into(),
            step_id: "challenge".into(),
            output: serde_json::json!({"problemStatement": "Busy pet owners"}),
            base,
            at: Utc::now(),
        };
        for m in [save(Some(serde_json::Value::Null)), save(None)] {
            let wire = m.to_wire().unwrap();
            assert_eq!(
                Mutation::from_wire(wire.name, wire.args.clone()).unwrap(),
                m
            );
            assert_eq!(
                Mutation::from_stored(wire.name, &wire.args.to_string()).unwrap(),
                m
            );
        }
    }

    #[test]
    fn a_kind_has_its_mutations_wire_name() {
        let m = Mutation::CompleteWorkshop {
            workshop_id: "ws_1".into(),
            at: Utc::now(),
        };
        assert_eq!(MutationKind::from(&m).name(), m.name());
        assert_eq!(
            MutationKind::of_name("setNote"),
            Some(MutationKind::SetNote)
        );
        assert_eq!(MutationKind::of_name("launchRocket"), None);
        assert_eq!(
            MutationKind::sql_list(&[MutationKind::CreateWorkshop, MutationKind::PutWorkshop]),
            "'createWorkshop', 'putWorkshop'"
        );
        for name in Mutation::NAMES {
            assert_eq!(
                MutationKind::of_name(name).map(MutationKind::name),
                Some(*name)
            );
        }
    }

    #[test]
    fn an_unknown_name_and_bad_args_are_told_apart() {
        match Mutation::from_wire("launchRocket", serde_json::json!({})) {
            Err(WireError::UnknownName(name)) => assert_eq!(name, "launchRocket"),
            other => panic!("expected an unknown name, got {other:?}"),
        }
        match Mutation::from_wire("renameWorkshop", serde_json::json!({"title": 3})) {
            Err(WireError::BadArgs { name, .. }) => assert_eq!(name, "renameWorkshop"),
            other => panic!("expected bad args, got {other:?}"),
        }
        assert!(matches!(
            Mutation::from_stored("renameWorkshop", "{not json"),
            Err(WireError::BadArgs { .. })
        ));
    }
}
