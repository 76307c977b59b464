//! The no-silent-loss oracle (docs/sync.md, "What the simulation checks"). Every change a
//! client committed locally is kept here, outside both databases, with what the server
//! applied from that client (read off the push answers, rewound with a restore). After
//! healing, each change must be in one of these states:
//!
//! - **applied**: the server applied a change from that client to the same field, after the
//!   local commit and still there after any restore, carrying the same value (a title or an
//!   output; what came later in the server's order may have replaced it since). For a step's
//!   status the server's order decides the value, and for a note the server merges, so any
//!   applied change of that status or note by that client counts;
//! - **superseded here**: the same client committed a later change to the same field (the
//!   outbox folds unsent saves together; resolving a conflict the change made is a change to
//!   its field, keeping theirs included), and that one is checked in its place;
//! - **visible**: the client lists a rejection for the workshop, saying why, or an open
//!   conflict on the field;
//! - **on the server**: a title, an output or a step's status the server holds with that
//!   very value at the end (a restore to a backup that held the same value took nothing
//!   from the user).
//!
//! A change offered again after a restore is a change like any other, so it counts as
//! applied once the server takes it; a title or an output counts too when another desktop
//! that held it offered the same value after the restore (any desktop offers what it holds
//! and the server lost). Anything else is a silent loss: the seed fails with the change's
//! story.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use serde_json::{json, Value};
use wp_domain::protocol::RowRev;
use wp_domain::{Mutation, SessionStatus};

/// A field the oracle follows: what one change sets.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// A workshop's title: the workshop id.
    Title(String),
    /// A step's output: the workshop and step ids.
    Output(String, String),
    /// A step's status: the workshop and step ids.
    Status(String, String),
    /// A user's note: the workshop id, the step id (`None`: the workshop's) and the user id.
    Note(String, Option<String>, String),
    /// A user's access to a workshop (a removal takes the user's notes from the server's
    /// view): the workshop and user ids.
    Access(String, String),
    /// A session's time: the workshop and session ids.
    SessionTime(String, String),
    /// A session's status (scheduled, cancelled): the workshop and session ids.
    SessionStatus(String, String),
    /// Whether a series is active (made, or cancelled from now on): the workshop and series
    /// ids.
    SeriesActive(String, String),
}

impl Field {
    pub fn workshop(&self) -> &str {
        match self {
            Field::Title(w)
            | Field::Output(w, _)
            | Field::Status(w, _)
            | Field::Note(w, ..)
            | Field::Access(w, _)
            | Field::SessionTime(w, _)
            | Field::SessionStatus(w, _)
            | Field::SeriesActive(w, _) => w,
        }
    }

    /// Whether the value must match: titles, outputs and the scheduling fields carry theirs
    /// to the server unchanged.
    pub fn exact(&self) -> bool {
        matches!(
            self,
            Field::Title(_)
                | Field::Output(..)
                | Field::SessionTime(..)
                | Field::SessionStatus(..)
                | Field::SeriesActive(..)
        )
    }

    /// Whether an applied change of `later` replaces what this field held: the same field;
    /// for a note, its user's access to the workshop removed; for a session's time, the
    /// session cancelled (a cancelled session cannot be moved any more).
    fn replaced_by(&self, later: &Field) -> bool {
        match (self, later) {
            (Field::Note(w, _, user), Field::Access(w2, user2)) => w == w2 && user == user2,
            (Field::SessionTime(w, id), Field::SessionStatus(w2, id2)) => w == w2 && id == id2,
            _ => self == later,
        }
    }
}

/// One side of the ledger: a change committed on a client, or applied by the server.
#[derive(Clone, Debug)]
struct Entry {
    client: usize,
    step: usize,
    field: Field,
    value: Value,
    /// Applied, then gone from the server with a restore to an earlier backup.
    rewound: bool,
    /// Applied and wrote the field's row (a status the server left as it was wrote nothing,
    /// so a restore takes nothing of it).
    wrote: bool,
}

/// The changes a client lost, each with its story.
#[derive(Default, Debug)]
pub struct Verdict {
    /// Never applied, never superseded there, never listed as refused.
    pub losses: Vec<String>,
    /// Applied, then taken away by a restore to an earlier backup, and not offered again:
    /// the restore cases docs/sync.md still lists under "Not yet built".
    pub restore_gaps: Vec<String>,
}

/// What each client committed and what the server applied from each, in the simulation's
/// steps.
pub struct Ledger {
    /// Each client's user id, by client.
    users: Vec<String>,
    committed: Vec<Entry>,
    applied: Vec<Entry>,
    /// The step the server was restored at, if it was.
    restored_at: Option<usize>,
    /// The field of each conflict a client resolved: a resolution is a change to it.
    conflicts: HashMap<String, Field>,
    /// Each step row's id, by workshop and step id (learnt from the workshops' creations),
    /// so that a status counts as applied only where the server wrote its row.
    step_rows: HashMap<(String, String), String>,
}

/// The fields a mutation sets when `user` sends it, with the value it carries for each
/// (`Null` where the server computes or merges the value: a status, a note).
fn fields(m: &Mutation, user: &str) -> Vec<(Field, Value)> {
    match m {
        Mutation::RenameWorkshop {
            workshop_id, title, ..
        } => vec![(
            Field::Title(workshop_id.clone()),
            Value::from(title.as_str()),
        )],
        Mutation::SaveStepOutput {
            workshop_id,
            step_id,
            output,
            ..
        } => vec![(
            Field::Output(workshop_id.clone(), step_id.clone()),
            output.clone(),
        )],
        Mutation::StartStep {
            workshop_id,
            step_id,
            ..
        }
        | Mutation::CompleteStep {
            workshop_id,
            step_id,
            ..
        } => vec![(
            Field::Status(workshop_id.clone(), step_id.clone()),
            Value::Null,
        )],
        // The step and the next (started), or the step and every later one (the revision's
        // cascade to `needs_regeneration`).
        Mutation::AdvanceStep {
            workshop_id,
            step_id,
            ..
        }
        | Mutation::ReviseStep {
            workshop_id,
            step_id,
            ..
        } => {
            let at = wp_domain::STEPS.iter().position(|d| d.id == step_id);
            let reach = match m {
                Mutation::AdvanceStep { .. } => 2,
                _ => wp_domain::STEPS.len(),
            };
            wp_domain::STEPS
                .iter()
                .skip(at.unwrap_or(wp_domain::STEPS.len()))
                .take(reach)
                .map(|d| {
                    (
                        Field::Status(workshop_id.clone(), d.id.to_string()),
                        Value::Null,
                    )
                })
                .collect()
        }
        Mutation::SetNote {
            workshop_id,
            step_id,
            ..
        } => vec![(
            Field::Note(workshop_id.clone(), step_id.clone(), user.to_string()),
            Value::Null,
        )],
        Mutation::RemoveMember {
            workshop_id,
            user_id,
            ..
        } => vec![(
            Field::Access(workshop_id.clone(), user_id.clone()),
            Value::Null,
        )],
        Mutation::CreateSession {
            session_id,
            workshop_id,
            session,
            ..
        } => vec![
            (
                Field::SessionTime(workshop_id.clone(), session_id.clone()),
                json!(session.scheduled_at),
            ),
            (
                Field::SessionStatus(workshop_id.clone(), session_id.clone()),
                json!(SessionStatus::Scheduled),
            ),
        ],
        Mutation::UpdateSession {
            session_id,
            workshop_id,
            session,
            ..
        } => vec![(
            Field::SessionTime(workshop_id.clone(), session_id.clone()),
            json!(session.scheduled_at),
        )],
        Mutation::CancelSession {
            session_id,
            workshop_id,
            ..
        } => vec![(
            Field::SessionStatus(workshop_id.clone(), session_id.clone()),
            json!(SessionStatus::Cancelled),
        )],
        Mutation::CreateSeries {
            series_id,
            workshop_id,
            ..
        } => vec![(
            Field::SeriesActive(workshop_id.clone(), series_id.clone()),
            json!(true),
        )],
        Mutation::CancelSeries {
            series_id,
            workshop_id,
            from_session_id: None,
            ..
        } => vec![(
            Field::SeriesActive(workshop_id.clone(), series_id.clone()),
            json!(false),
        )],
        Mutation::PutWorkshop {
            workshop, steps, ..
        } => {
            let mut out = vec![(
                Field::Title(workshop.id.clone()),
                Value::from(workshop.title.as_str()),
            )];
            for s in steps {
                out.push((
                    Field::Output(s.workshop_id.clone(), s.step_id.clone()),
                    s.output.clone().unwrap_or(Value::Null),
                ));
                out.push((
                    Field::Status(s.workshop_id.clone(), s.step_id.clone()),
                    Value::Null,
                ));
            }
            out
        }
        _ => vec![],
    }
}

impl Ledger {
    /// A ledger for clients signed in as `users` (by client).
    pub fn new(users: Vec<String>) -> Ledger {
        Ledger {
            users,
            committed: vec![],
            applied: vec![],
            restored_at: None,
            conflicts: HashMap::new(),
            step_rows: HashMap::new(),
        }
    }

    /// The user id `client` is signed in as.
    pub fn user(&self, client: usize) -> &str {
        &self.users[client]
    }

    /// A change `client` committed locally at `step`: `field` now holds `value` there
    /// (`Null` for a note, whose value the server merges).
    pub fn commit(&mut self, client: usize, step: usize, field: Field, value: Value) {
        self.committed.push(Entry {
            client,
            step,
            field,
            value,
            rewound: false,
            wrote: false,
        });
    }

    /// The client with the most changes applied from `backup_step` on that a restore took
    /// (what the simulation then keeps away while the others write), with the workshops of
    /// those changes; `None` when the restore took nothing.
    pub fn busiest_after(&self, backup_step: usize) -> Option<(usize, Vec<String>)> {
        let lost: Vec<&Entry> = self
            .applied
            .iter()
            .filter(|a| a.rewound && a.step >= backup_step)
            .collect();
        let client = (0..self.users.len()).max_by_key(|c| {
            (
                lost.iter().filter(|a| a.client == *c).count(),
                usize::MAX - c,
            )
        })?;
        let mut workshops: Vec<String> = lost
            .iter()
            .filter(|a| a.client == client)
            .map(|a| a.field.workshop().to_string())
            .collect();
        workshops.sort();
        workshops.dedup();
        (!workshops.is_empty()).then_some((client, workshops))
    }

    /// The user put `client`'s database back from a copy taken at `step`: what it committed
    /// since is theirs to have given up, unless the server took it (then it is there anyway).
    pub fn forget_since(&mut self, client: usize, step: usize) {
        self.committed
            .retain(|e| !(e.client == client && e.step >= step));
    }

    /// A client resolves conflict `id`, which concerns `field`.
    pub fn conflict(&mut self, id: &str, field: Field) {
        self.conflicts.insert(id.to_string(), field);
    }

    /// The server answered Applied to `mutation`, pushed by `client`, at `step`, writing
    /// the rows `revs`. A step's status whose row is not among them was left as it was (an
    /// advance onto a step already complete), and a mutation that wrote no row changed
    /// nothing: a restore takes nothing of either.
    pub fn applied(&mut self, client: usize, step: usize, mutation: &Mutation, revs: &[RowRev]) {
        if let Mutation::CreateWorkshop {
            workshop_id, steps, ..
        } = mutation
        {
            for s in steps {
                self.step_rows
                    .insert((workshop_id.clone(), s.step_id.clone()), s.id.clone());
            }
        }
        if let Mutation::PutWorkshop { steps, .. } = mutation {
            for s in steps {
                self.step_rows
                    .insert((s.workshop_id.clone(), s.step_id.clone()), s.id.clone());
            }
        }
        let written = |field: &Field| match field {
            Field::Status(w, s) => self
                .step_rows
                .get(&(w.clone(), s.clone()))
                .is_none_or(|id| revs.iter().any(|r| r.entity == "step" && &r.id == id)),
            _ => true,
        };
        let mut changed = fields(mutation, &self.users[client]);
        if let Mutation::ResolveConflict { conflict_id, .. } = mutation {
            // The value it leaves is the server's to compute (`Null`: any value matches).
            changed.extend(
                self.conflicts
                    .get(conflict_id)
                    .map(|f| (f.clone(), Value::Null)),
            );
        }
        for (field, value) in changed {
            // Applied without writing a row (a conflict already resolved, a value already
            // held): nothing of it for a restore to take.
            let wrote = !revs.is_empty() && written(&field);
            self.applied.push(Entry {
                client,
                step,
                field,
                value,
                rewound: false,
                wrote,
            });
        }
    }

    /// The server was restored at `step` to its backup taken at `backup_step`: what it
    /// applied from then on is gone from it.
    pub fn rewind(&mut self, backup_step: usize, step: usize) {
        self.restored_at = Some(step);
        for e in self
            .applied
            .iter_mut()
            .filter(|e| e.step >= backup_step && e.wrote)
        {
            e.rewound = true;
        }
    }

    /// The changes `client` committed that ended in none of the allowed states, each with
    /// its story. `rejected` holds the workshops the client lists a rejection for,
    /// `conflicted` the fields it lists an open conflict on (a resolution a restore took
    /// comes back as its conflict, open again for the user to choose); `holds`
    /// says whether a title, an output or a status has that value on the server at the end
    /// (the client's copy, which equals the server's by then).
    pub fn silent_losses(
        &self,
        client: usize,
        rejected: &HashSet<String>,
        conflicted: &HashSet<Field>,
        holds: &dyn Fn(&Field, &Value) -> bool,
    ) -> Verdict {
        let mine: Vec<&Entry> = self
            .committed
            .iter()
            .filter(|e| e.client == client)
            .collect();
        let mut verdict = Verdict::default();
        for (i, change) in mine.iter().enumerate() {
            let superseded = mine[i + 1..]
                .iter()
                .any(|later| later.field == change.field);
            // Applied and still on the server, or applied and then replaced there by a later
            // change before a restore took both away (the later one is its writer's to
            // offer again).
            // (`applied` is in the server's order: the simulation runs one request at a time.)
            // Offered again after the restore by another desktop that held it (a title or
            // an output, the same value) counts as this client's: any desktop that holds
            // what the server lost offers it.
            let offered_elsewhere =
                |a: &Entry| change.field.exact() && self.restored_at.is_some_and(|r| a.step >= r);
            let applied = self.applied.iter().enumerate().any(|(i, a)| {
                (a.client == client || offered_elsewhere(a))
                    && a.step >= change.step
                    && a.field == change.field
                    && (!change.field.exact() || a.value.is_null() || a.value == change.value)
                    && (!a.rewound
                        || self.applied[i + 1..]
                            .iter()
                            .any(|b| a.field.replaced_by(&b.field)))
            });
            // The server ends with this very value: nothing of it was lost (a restore that
            // took the change back to a backup holding the same value, say).
            let on_server = !change.value.is_null() && holds(&change.field, &change.value);
            if superseded
                || applied
                || on_server
                || rejected.contains(change.field.workshop())
                || conflicted.contains(&change.field)
            {
                continue;
            }
            let lost_in_restore = self.applied.iter().any(|a| {
                a.client == client && a.step >= change.step && a.field == change.field && a.rewound
            });
            if lost_in_restore {
                verdict.restore_gaps.push(self.story(change));
            } else {
                verdict.losses.push(self.story(change));
            }
        }
        verdict
    }

    /// A lost change's story: what it was, and what the server applied to its field.
    fn story(&self, change: &Entry) -> String {
        let mut s = format!(
            "client {} committed {:?} = {} at step {}; never applied from it since, not \
             superseded there, no rejection listed.",
            change.client,
            change.field,
            short(&change.value),
            change.step
        );
        for a in self.applied.iter().filter(|a| a.field == change.field) {
            let _ = write!(
                s,
                "\n    the server applied {} from client {} at step {}{}",
                short(&a.value),
                a.client,
                a.step,
                if a.rewound {
                    " (gone with the restore)"
                } else {
                    ""
                }
            );
        }
        s
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 80 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(80).map_or(s.len(), |(i, _)| i)]
        )
    } else {
        s
    }
}
