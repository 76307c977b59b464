//! Merging two concurrent changes against the value both started from: notes line by line
//! (three-way, with `diffy`), step outputs field by field. Where both sides changed the same
//! lines or field differently, the first change to reach the server (`theirs`) stays and the
//! later one is reported, to be kept in a conflict record.

use serde_json::{Map, Value};

/// The outcome of a three-way text merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMerge {
    /// Both changes fit together.
    Clean(String),
    /// Both changed the same lines: `theirs` stays.
    Conflict,
}

/// Merges `mine` and `theirs`, both made from `base`, line by line. Changes to adjacent
/// lines count as one region (as in git's merge) and conflict.
pub fn merge_text(base: &str, theirs: &str, mine: &str) -> TextMerge {
    if mine == base || mine == theirs {
        return TextMerge::Clean(theirs.to_string());
    }
    if theirs == base {
        return TextMerge::Clean(mine.to_string());
    }
    match diffy::merge(base, theirs, mine) {
        Ok(merged) => TextMerge::Clean(merged),
        Err(_) => TextMerge::Conflict,
    }
}

/// One output field both sides set to different values.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldConflict {
    pub field: String,
    pub base: Value,
    pub theirs: Value,
    pub mine: Value,
}

fn fields(v: &Value) -> Map<String, Value> {
    match v {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    }
}

/// Merges two step outputs made from `base` (`Null` for "no output yet") field by field:
/// a field only one side changed takes that side's value; a field both changed to the same
/// value takes it; a field both changed differently keeps `theirs` and is reported. Fields
/// keep `theirs`'s order, then new ones of `mine`.
pub fn merge_fields(base: &Value, theirs: &Value, mine: &Value) -> (Value, Vec<FieldConflict>) {
    let (b, t, m) = (fields(base), fields(theirs), fields(mine));
    let mut merged = Map::new();
    let mut conflicts = Vec::new();
    let mut names: Vec<&String> = t.keys().collect();
    names.extend(m.keys().filter(|k| !t.contains_key(*k)));
    names.extend(
        b.keys()
            .filter(|k| !t.contains_key(*k) && !m.contains_key(*k)),
    );
    for name in names {
        let (bv, tv, mv) = (b.get(name), t.get(name), m.get(name));
        let chosen = if mv == bv || mv == tv {
            tv
        } else if tv == bv {
            mv
        } else {
            conflicts.push(FieldConflict {
                field: name.clone(),
                base: bv.cloned().unwrap_or(Value::Null),
                theirs: tv.cloned().unwrap_or(Value::Null),
                mine: mv.cloned().unwrap_or(Value::Null),
            });
            tv
        };
        if let Some(v) = chosen {
            merged.insert(name.clone(), v.clone());
        }
    }
    (Value::Object(merged), conflicts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn notes_edited_on_different_lines_merge() {
        let base = "Mochi\nfeeds at 7\nwalks at 6\n";
        let theirs = "Mochi the cat\nfeeds at 7\nwalks at 6\n";
        let mine = "Mochi\nfeeds at 7\nwalks at 6:30\n";
        assert_eq!(
            merge_text(base, theirs, mine),
            TextMerge::Clean("Mochi the cat\nfeeds at 7\nwalks at 6:30\n".into())
        );
        assert_eq!(
            merge_text(base, theirs, "Mochi the dog\nfeeds at 7\nwalks at 6\n"),
            TextMerge::Conflict
        );
    }

    #[test]
    fn outputs_merge_field_by_field_and_name_the_clash() {
        let base = json!({"a": 1, "b": 1, "c": 1});
        let theirs = json!({"a": 2, "b": 1, "c": 5});
        let mine = json!({"a": 1, "b": 3, "c": 6, "d": 4});
        let (merged, conflicts) = merge_fields(&base, &theirs, &mine);
        assert_eq!(merged, json!({"a": 2, "b": 3, "c": 5, "d": 4}));
        assert_eq!(conflicts.len(), 1);
        assert_eq!(
            (
                conflicts[0].field.as_str(),
                &conflicts[0].theirs,
                &conflicts[0].mine
            ),
            ("c", &json!(5), &json!(6))
        );
    }
}
