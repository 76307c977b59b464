//! The simulation's users: a client (a desktop database, killed and reopened at will) and
//! the random edits of every kind its user makes, each change the edit commits kept in the
//! oracle's ledger.

use rand::rngs::StdRng;
use rand::Rng;
use serde_json::Value;
use wp_domain::STEPS;
use wp_store::{Store, WorkshopFilter};

use crate::oracle::Field;
use crate::transport::SimTransport;
use crate::{views, PAWPAL};

/// One desktop of the simulation: its database file, opened lazily (a killed client is a
/// dropped store), its transport, and which of the two users it is signed in as.
pub struct Client {
    pub path: std::path::PathBuf,
    pub store: Option<Store>,
    pub transport: SimTransport,
    pub user: usize,
}

impl Client {
    pub fn store(&mut self) -> &mut Store {
        if self.store.is_none() {
            self.store = Some(Store::open(&self.path).unwrap());
        }
        self.store.as_mut().unwrap()
    }
}

fn pawpal_output(step: &str, rng: &mut StdRng) -> Value {
    // Parsed once per thread, not once per edit.
    thread_local! {
        static FILE: Value = serde_json::from_str(PAWPAL).unwrap();
    }
    let mut output = FILE.with(|file| file["steps"][step]["artifact"].clone());
    // Change one text field to a random value, so two clients' saves can clash or merge.
    if let Value::Object(map) = &mut output {
        let texts: Vec<String> = map
            .iter()
            .filter(|(_, v)| v.is_string())
            .map(|(k, _)| k.clone())
            .collect();
        if !texts.is_empty() {
            let k = &texts[rng.random_range(0..texts.len())];
            map.insert(
                k.clone(),
                Value::String(format!("{k} v{}", rng.random_range(0..5))),
            );
        }
    }
    output
}

/// A scheduling edit on workshop `id`: a session scheduled, moved or cancelled, or
/// (`series`) a weekly series made or ended. Times are whole minutes, hours to weeks ahead
/// (the domain's 15-minute lead).
fn schedule_edit(
    store: &mut Store,
    id: &str,
    series: bool,
    rng: &mut StdRng,
) -> Result<Vec<(Field, Value)>, wp_store::StoreError> {
    use chrono::{Duration, DurationRound, NaiveTime, Utc};
    use wp_domain::mutation::{SeriesForm, SessionForm};
    use wp_domain::series::{End, Frequency, RuleForm};
    use wp_domain::SessionStatus;
    let ahead = |rng: &mut StdRng| {
        (Utc::now() + Duration::hours(rng.random_range(2..24 * 20)))
            .duration_trunc(Duration::minutes(1))
            .unwrap()
    };
    let schedule = store.schedule(id)?;
    if series {
        let active: Vec<&str> = schedule
            .series
            .iter()
            .filter(|s| s.series.is_active)
            .map(|s| s.series.id.as_str())
            .collect();
        if !active.is_empty() && rng.random_bool(0.4) {
            let series_id = active[rng.random_range(0..active.len())].to_string();
            let field = Field::SeriesActive(id.to_string(), series_id.clone());
            let before = views::value_of(store, &field);
            return store
                .cancel_series(id, &series_id, None)
                .map(|_| vec![(field, before)]);
        }
        let form = SeriesForm {
            title: format!("Series {}", rng.random_range(0..100)),
            description: String::new(),
            rule: RuleForm {
                frequency: Frequency::Weekly,
                days: vec![],
                monthly: None,
                end: End::Never,
            },
            start_date: ahead(rng).date_naive(),
            time_of_day: NaiveTime::from_hms_opt(rng.random_range(7..21), 0, 0).unwrap(),
            timezone: "Europe/Berlin".into(),
            duration_minutes: 90,
            is_private: false,
        };
        return store
            .create_series(id, form)
            .map(|made| vec![(Field::SeriesActive(id.to_string(), made.id), Value::Null)]);
    }
    let scheduled: Vec<_> = schedule
        .sessions
        .iter()
        .filter(|s| s.status == SessionStatus::Scheduled)
        .collect();
    let pick = |rng: &mut StdRng| scheduled[rng.random_range(0..scheduled.len())];
    match rng.random_range(0..3) {
        0 if !scheduled.is_empty() => {
            let s = pick(rng);
            let form = SessionForm {
                title: Some(s.title.clone()),
                description: s.description.clone(),
                scheduled_at: ahead(rng),
                duration_minutes: s.duration_minutes,
                is_private: s.is_private,
                max_capacity: s.max_capacity,
            };
            let session_id = s.id.clone();
            let field = Field::SessionTime(id.to_string(), session_id.clone());
            let before = views::value_of(store, &field);
            store
                .update_session(id, &session_id, form)
                .map(|_| vec![(field, before)])
        }
        1 if !scheduled.is_empty() => {
            let session_id = pick(rng).id.clone();
            let field = Field::SessionStatus(id.to_string(), session_id.clone());
            let before = views::value_of(store, &field);
            store
                .cancel_session(id, &session_id)
                .map(|_| vec![(field, before)])
        }
        _ => {
            let form = SessionForm {
                title: Some(format!("Session {}", rng.random_range(0..100))),
                description: String::new(),
                scheduled_at: ahead(rng),
                duration_minutes: 60,
                is_private: false,
                max_capacity: None,
            };
            store.create_session(id, form).map(|made| {
                vec![
                    (
                        Field::SessionTime(id.to_string(), made.id.clone()),
                        Value::Null,
                    ),
                    (Field::SessionStatus(id.to_string(), made.id), Value::Null),
                ]
            })
        }
    }
}

/// One random user edit on a client; refusals by the local store are what a user would see,
/// and change nothing.
pub fn edit(client: &mut Client, rng: &mut StdRng, other_user: &str) {
    let net = client.transport.net.clone();
    let me = client.transport.client;
    let store = client.store();
    // In id order (ids are seeded), not by time: a seed replays.
    let mut titles: Vec<(String, String)> = store
        .list_workshops(&WorkshopFilter::default())
        .unwrap()
        .into_iter()
        .map(|w| (w.workshop.record.id, w.workshop.record.title))
        .collect();
    titles.sort();
    let live: Vec<String> = titles.iter().map(|(id, _)| id.clone()).collect();
    if live.is_empty() || rng.random_bool(0.04) {
        let _ = if rng.random_bool(0.5) {
            store.import_workshop(PAWPAL).map(|_| ())
        } else {
            store
                .create_workshop(Some(&format!("Sim {}", rng.random_range(0..1000))), "")
                .map(|_| ())
        };
        return;
    }
    let hot: Vec<String> = net
        .borrow()
        .hot
        .iter()
        .filter(|w| live.contains(w))
        .cloned()
        .collect();
    let id = if !hot.is_empty() && rng.random_bool(0.5) {
        &hot[rng.random_range(0..hot.len())]
    } else {
        &live[rng.random_range(0..live.len())]
    };
    let step = STEPS[rng.random_range(0..STEPS.len())].id;
    let op = rng.random_range(0..16);
    let trace = std::env::var_os("WP_SIM_TRACE").is_some();
    // What the oracle follows (a title, an output, a status, a note), as it is before the
    // edit: a change is committed when the edit succeeds and the value moved.
    let field = match op {
        0 => Some(Field::Title(id.clone())),
        1 | 2 => Some(Field::Output(id.clone(), step.to_string())),
        3..=6 => Some(Field::Status(id.clone(), step.to_string())),
        _ => None,
    };
    let local = |store: &Store, field: &Field| -> Value {
        let detail = store.workshop(id).unwrap();
        let s = detail.steps.iter().find(|s| s.record.step_id == step);
        match field {
            Field::Title(_) => Value::from(detail.workshop.record.title.as_str()),
            Field::Output(..) => s
                .and_then(|s| s.record.output.clone())
                .unwrap_or(Value::Null),
            _ => s.map_or(Value::Null, |s| {
                serde_json::to_value(s.record.status).unwrap()
            }),
        }
    };
    let before = match &field {
        Some(Field::Title(_)) => titles
            .iter()
            .find(|(w, _)| w == id)
            .map(|(_, t)| Value::from(t.as_str())),
        Some(f) => Some(local(store, f)),
        None => None,
    };
    // Every step's status before a progress change: advancing starts the next step, and a
    // revision sends every later one to `needs_regeneration`; each status that moves is
    // committed.
    let statuses = |store: &Store| -> Vec<(String, Value)> {
        store
            .workshop(id)
            .unwrap()
            .steps
            .iter()
            .map(|s| {
                let status = serde_json::to_value(s.record.status).unwrap();
                (s.record.step_id.clone(), status)
            })
            .collect()
    };
    let statuses_before = (3..=6).contains(&op).then(|| statuses(store));
    let mut note_moved = None;
    let mut resolved = None;
    // The scheduling fields an edit changed, each with its value before.
    let mut scheduled: Vec<(Field, Value)> = vec![];
    let result = match op {
        0 => store
            .rename_workshop(id, &format!("Title {}", rng.random_range(0..6)))
            .map(|_| ()),
        1 | 2 => store
            .save_step_output(id, step, pawpal_output(step, rng))
            .map(|_| ()),
        3 => store.start_step(id, step).map(|_| ()),
        4 => store.complete_step(id, step).map(|_| ()),
        5 => store.advance_step(id, step).map(|_| ()),
        6 => store.revise_step(id, step).map(|_| ()),
        7 => store.complete_workshop(id).map(|_| ()),
        8 | 9 => {
            let scope = rng.random_bool(0.5).then_some(step);
            let old = store
                .note(id, scope)
                .ok()
                .flatten()
                .map(|n| n.record.content)
                .unwrap_or_else(|| "a\nb\nc\nd\ne\n".into());
            let mut lines: Vec<String> = old.lines().map(str::to_string).collect();
            let i = rng.random_range(0..lines.len().max(1));
            if lines.is_empty() {
                lines.push(String::new());
            }
            lines[i] = format!("line {} v{}", i, rng.random_range(0..100));
            let content = lines.join("\n") + "\n";
            if content != old {
                let user = net.borrow().ledger.user(me).to_string();
                note_moved = Some(Field::Note(id.clone(), scope.map(str::to_string), user));
            }
            store.set_note(id, scope, &content).map(|_| ())
        }
        10 => {
            if rng.random_bool(0.5) {
                store.delete_workshop(id).map(|_| ())
            } else {
                let trash = store
                    .list_workshops(&WorkshopFilter {
                        trash: true,
                        search: None,
                    })
                    .unwrap();
                match trash
                    .iter()
                    .min_by(|a, b| a.workshop.record.id.cmp(&b.workshop.record.id))
                {
                    Some(w) => store.restore_workshop(&w.workshop.record.id).map(|_| ()),
                    None => Ok(()),
                }
            }
        }
        11 => match store
            .conflicts(true)
            .unwrap()
            .iter()
            .min_by(|a, b| a.id.cmp(&b.id))
        {
            Some(c) => {
                let user = net.borrow().ledger.user(me).to_string();
                let field = views::field_of_conflict(c, &user);
                net.borrow_mut().ledger.conflict(&c.id, field.clone());
                resolved = Some(field);
                let resolution = if rng.random_bool(0.5) {
                    wp_domain::mutation::Resolution::Mine
                } else {
                    wp_domain::mutation::Resolution::Theirs
                };
                store
                    .resolve_conflict(&c.id.clone(), resolution)
                    .map(|_| ())
            }
            None => Ok(()),
        },
        12 if rng.random_bool(0.6) => store
            .mutate(wp_domain::Mutation::AddMember {
                member_id: wp_domain::ids::new_id(wp_domain::ids::IdKind::Member),
                workshop_id: id.clone(),
                user_id: other_user.to_string(),
                role: if rng.random_bool(0.7) {
                    wp_domain::Role::Editor
                } else {
                    wp_domain::Role::Viewer
                },
                at: store.now(),
            })
            .map(|_| ()),
        12 => {
            if trace {
                eprintln!("  unshare {id}");
            }
            store.unshare_workshop(id, other_user)
        }
        14 | 15 => schedule_edit(store, id, op == 15, rng).map(|fields| {
            scheduled = fields;
        }),
        // The user answers a mass delete the guard holds: keep the workshops, or let them go.
        _ => match store.held_deletes() {
            Ok(Some(held)) if rng.random_bool(0.5) => {
                if trace {
                    eprintln!("  keep held {held:?}");
                }
                store.keep_held_deletes().map(|_| ())
            }
            Ok(Some(held)) => {
                if trace {
                    eprintln!("  apply held {held:?}");
                }
                store.apply_held_deletes().map(|_| ())
            }
            other => other.map(|_| ()),
        },
    };
    if let (Ok(()), Some(before)) = (&result, statuses_before) {
        let after = statuses(store);
        let mut net = net.borrow_mut();
        let step = net.step;
        for ((step_id, was), (_, now)) in before.into_iter().zip(after) {
            if was != now {
                if trace {
                    eprintln!("  committed status of {step_id}: {was} → {now}");
                }
                net.ledger
                    .commit(me, step, Field::Status(id.clone(), step_id), now);
            }
        }
    } else if let (Ok(()), Some(field)) = (&result, resolved) {
        // Resolving a conflict is a change to its field: the value it leaves here.
        let value = views::value_of(store, &field);
        let mut net = net.borrow_mut();
        let step = net.step;
        net.ledger.commit(me, step, field, value);
    } else if result.is_ok() && !scheduled.is_empty() {
        let mut net = net.borrow_mut();
        let step = net.step;
        for (field, before) in scheduled {
            let after = views::value_of(store, &field);
            if after != before {
                if trace {
                    eprintln!("  committed {field:?} = {after}");
                }
                net.ledger.commit(me, step, field, after);
            }
        }
    } else if result.is_ok() {
        let committed = match (field, before) {
            (Some(field), Some(before)) => {
                let after = local(store, &field);
                (after != before).then(|| {
                    let value = if field.exact() { after } else { Value::Null };
                    (field, value)
                })
            }
            _ => note_moved.map(|field| (field, Value::Null)),
        };
        if let Some((field, value)) = committed {
            if trace {
                let queued = store.outbox(0, 10_000).unwrap();
                eprintln!(
                    "  committed {field:?}; outbox {:?}",
                    queued
                        .iter()
                        .map(|e| (e.mutation_id, e.mutation.name()))
                        .collect::<Vec<_>>()
                );
            }
            let mut net = net.borrow_mut();
            let step = net.step;
            net.ledger.commit(me, step, field, value);
        }
    }
    if trace {
        eprintln!(
            "  edit op {op} on {id} {step}: {:?}",
            result.map_err(|e| e.to_string())
        );
    }
}
