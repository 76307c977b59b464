//! After a server restore, a workshop's lost progress: the step statuses and outputs, the
//! workshop's completion and its trash that the restored server no longer has, offered again
//! at the end of the reset's full pull (noted as the rows arrived, by
//! [`super::recovery::offer_lost_value`]). Progress travels only as intents checked by the
//! steps' rules, so each step goes, in step order, as what leads from the server's state
//! (with the earlier offers applied) to this database's ([`offer_lost_steps`],
//! [`status_offer`]); a workshop's lost completion after its steps
//! ([`offer_lost_completions`]), and its lost trash after both ([`offer_lost_trash`]). What
//! the domain refuses here is listed with the refusals, never dropped ([`offer_again`]).

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use wp_domain::mutation::MutationKind;
use wp_domain::protocol::LostVersion;
use wp_domain::{ErrorCode, Mutation, StepRecord, StepStatus};

use super::outbox::append_offer;
use crate::mutate::apply_and_offer;
use crate::rows::codec::{bad_text, json_column};
use crate::rows::read::step_records;
use crate::{now, Result, StoreError};

/// The progress intent that takes a step from the server's status `theirs` back to this
/// database's `mine`, when the server lost it: complete it again, start it again, or
/// revise it again (which also puts the later steps back to `needs_regeneration`). A step
/// that needs regeneration here got there by an earlier step's revision, offered with that
/// step; `not_started` is never reached by an intent.
fn status_offer(
    mine: StepStatus,
    theirs: StepStatus,
    workshop_id: &str,
    step_id: &str,
) -> Option<Mutation> {
    let (workshop_id, step_id, at) = (workshop_id.to_string(), step_id.to_string(), now());
    match (mine, theirs) {
        (StepStatus::Complete, StepStatus::Complete) => None,
        (StepStatus::Complete, _) => Some(Mutation::CompleteStep {
            workshop_id,
            step_id,
            at,
        }),
        (StepStatus::InProgress, StepStatus::NotStarted | StepStatus::NeedsRegeneration) => {
            Some(Mutation::StartStep {
                workshop_id,
                step_id,
                at,
            })
        }
        (StepStatus::InProgress, StepStatus::Complete) => Some(Mutation::ReviseStep {
            workshop_id,
            step_id,
            at,
        }),
        _ => None,
    }
}

/// A step's status, output and completion time, as one side holds it.
type StepSide = (StepStatus, Option<serde_json::Value>, Option<DateTime<Utc>>);

/// What takes a step from the server's status and output (`theirs`) back to this
/// database's (`mine`), when the server lost them: its output first (completing a step needs
/// it), then the intent ([`status_offer`]); an output the server holds on a complete step
/// changes only after a revision, so a lost edit of a revised step goes as revise, save, and
/// complete again when the step is complete here. So does a step complete on both sides but
/// completed at another time here: it was completed again after a revision the restore lost
/// (a completion on a complete step changes nothing, so only a revision or an earlier
/// step's cascade comes between two), and revising it again sends the later steps back to
/// `needs_regeneration` on the server as they went here; their own offers follow in step
/// order. `diverged`: the server wrote the row again at the revision this database had
/// ([`super::recovery::lost_copy`]); the output then goes against no base (the server's
/// merge makes a conflict of each field set differently), and two completion times are two
/// histories' completions, not a lost revision.
fn step_offers(
    workshop_id: &str,
    step_id: &str,
    (mine, mine_output, mine_completed): StepSide,
    (theirs, theirs_output, theirs_completed): StepSide,
    diverged: bool,
) -> Vec<Mutation> {
    let completed_again = !diverged
        && mine == StepStatus::Complete
        && theirs == StepStatus::Complete
        && mine_completed != theirs_completed;
    let save = mine_output
        .filter(|o| Some(o) != theirs_output.as_ref())
        .map(|output| Mutation::SaveStepOutput {
            workshop_id: workshop_id.to_string(),
            step_id: step_id.to_string(),
            output,
            base: Some(match theirs_output {
                Some(theirs) if !diverged => theirs,
                _ => serde_json::Value::Null,
            }),
            at: now(),
        });
    let intent = |status| status_offer(status, theirs, workshop_id, step_id);
    match save {
        save if theirs == StepStatus::Complete && (save.is_some() || completed_again) => {
            let mut offers: Vec<Mutation> = intent(StepStatus::InProgress).into_iter().collect();
            offers.extend(save);
            if mine == StepStatus::Complete {
                offers.push(Mutation::CompleteStep {
                    workshop_id: workshop_id.to_string(),
                    step_id: step_id.to_string(),
                    at: now(),
                });
            }
            offers
        }
        save => save.into_iter().chain(intent(mine)).collect(),
    }
}

/// The row version stored with lost progress (`LostCopy::stored`), from column `i`.
fn stored_version(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Option<LostVersion>> {
    let text: Option<String> = r.get(i)?;
    text.map(|t| serde_json::from_str(&t).map_err(|_| bad_text(i, &t)))
        .transpose()
}

/// What became of a change offered again.
#[derive(Debug, PartialEq, Eq)]
enum Offer {
    /// Applied here and queued for the server.
    Queued,
    /// Nothing to change: this database already holds it.
    Unchanged,
    /// The domain refuses it here (the server would too); nothing changed.
    Refused,
}

/// Applies `offer` here and queues it, as a user's change is, naming the row version
/// `lost` it stands for (the server drops it if its history holds that version). When the domain refuses it
/// here, everything stays as it was, and the refused change goes into the list of refusals
/// with its reason ([`list_refused_offer`]): a change the server lost is never dropped
/// silently (the workshop in the trash here, a step's rules). A refusal for want of a role
/// is listed only where the restore changed this user's role on the workshop
/// (`sync_lost_roles`): the change was their own, made under the role the restore took.
/// Elsewhere it was another user's change that this desktop held, and their desktops offer
/// it.
fn offer_again(
    conn: &Connection,
    offer: &Mutation,
    user_id: &str,
    clock: Option<DateTime<Utc>>,
    lost: Option<&LostVersion>,
) -> Result<Offer> {
    match apply_and_offer(conn, offer, user_id, clock, lost) {
        Ok((_, Some(_))) => Ok(Offer::Queued),
        Ok((_, None)) => Ok(Offer::Unchanged),
        Err(e) if e.is_refusal() => {
            let role_lost_here = || -> Result<bool> {
                Ok(conn
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM sync_lost_roles WHERE workshop_id = ?1)",
                    )?
                    .query_row([offer.workshop_id()], |r| r.get(0))?)
            };
            if e.code() != ErrorCode::Forbidden || role_lost_here()? {
                list_refused_offer(conn, offer, &e)?;
            }
            Ok(Offer::Refused)
        }
        Err(e) => Err(e),
    }
}

/// Lists a change the server lost in a restore and this database cannot offer again, with
/// the refusals the server sent: `mutation_id` 0 (it was never queued under an id), the
/// reason in `error`, the field the rule names in `field`. The user sees it, can redo it in
/// its workshop (restore the workshop from the trash first), or dismiss it.
fn list_refused_offer(conn: &Connection, offer: &Mutation, refusal: &StoreError) -> Result<()> {
    let wire = offer.to_wire()?;
    let field = match refusal {
        StoreError::Domain(e) => e.field().map(str::to_string),
        _ => None,
    };
    conn.prepare_cached(
        "INSERT INTO sync_rejections (mutation_id, name, args, workshop_id, error, field, rejected_at)
         VALUES (0, ?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute((
        wire.name,
        wire.args.to_string(),
        offer.workshop_id(),
        format!("The server lost this change when it was restored from a backup, and it cannot be sent again here: {refusal}"),
        field,
        now(),
    ))?;
    Ok(())
}

/// At the end of a reset's full pull: offers again the step statuses and outputs a restore
/// lost ([`super::recovery::offer_lost_value`] noted them), a workshop's steps in their order, each against
/// this database's row as it is by then: the server's, with the earlier steps' offers
/// applied, so a revision's cascade is accounted for (revise the persona, then start
/// journey mapping: the second goes as a start, not a revision). A step changed here since
/// its pulled row was written keeps what the newer change set: its output where a queued
/// save of it did, its status where a queued progress change in the workshop may have; the
/// rest of what the restore took is offered (a lost output of a step completed since is
/// revised, saved and completed again).
/// Returns how many changes it queued, and the workshop of each (the caller drops repeats).
pub(crate) fn offer_lost_steps(
    conn: &Connection,
    user_id: &str,
    clock: Option<DateTime<Utc>>,
) -> Result<(usize, Vec<String>)> {
    type Lost = (
        String,
        String,
        StepSide,
        bool,
        Option<LostVersion>,
        bool,
        bool,
        bool,
    );
    // A step changed here since the pull wrote it (a queued change re-applied, or the
    // user's) keeps what that newer change set: its output where a queued save of the step
    // set it, its status where a queued progress change in the workshop may have (a
    // revision moves the later steps too); the rest of what the restore took is offered.
    let queued = |kinds: &[MutationKind], this_step: bool| {
        format!(
            "EXISTS (SELECT 1 FROM outbox o WHERE o.workshop_id = l.workshop_id
                       AND o.acked_at IS NULL AND o.offered_again = 0 AND o.name IN ({}) {})",
            MutationKind::sql_list(kinds),
            if this_step {
                "AND json_extract(o.args, '$.stepId') = l.step_id"
            } else {
                ""
            }
        )
    };
    let lost: Vec<Lost> = conn
        .prepare(&format!(
            "SELECT l.workshop_id, l.step_id, l.status, l.output, l.completed_at, l.diverged, l.lost,
                    s.rev = l.pulled_rev, {}, {}
             FROM sync_lost_steps l
             JOIN workshop_steps s ON s.workshop_id = l.workshop_id AND s.step_id = l.step_id
             JOIN step_definitions d ON d.id = l.step_id
             ORDER BY l.workshop_id, d.position",
            queued(
                &[
                    MutationKind::SaveStepOutput,
                    MutationKind::ResolveConflict,
                    MutationKind::ReopenConflict,
                ],
                true
            ),
            queued(
                &[
                    MutationKind::StartStep,
                    MutationKind::CompleteStep,
                    MutationKind::AdvanceStep,
                    MutationKind::ReviseStep,
                ],
                false
            ),
        ))?
        .query_map([], |r| {
            let status: String = r.get(2)?;
            let status = StepStatus::parse(&status).ok_or_else(|| bad_text(2, &status))?;
            Ok((
                r.get(0)?,
                r.get(1)?,
                (status, json_column(r, 3)?, r.get(4)?),
                r.get(5)?,
                stored_version(r, 6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute("DELETE FROM sync_lost_steps", [])?;
    let mut queued = 0;
    let mut changed = Vec::new();
    for (workshop_id, step_id, mut mine, diverged, version, untouched, saved, progressed) in lost {
        let version = version.as_ref();
        // The row as it is now: the server's, with the earlier offers applied.
        let now_there = || -> Result<Option<StepRecord>> {
            Ok(step_records(conn, &workshop_id, Some(&step_id))?
                .pop()
                .map(|(row, _)| row))
        };
        let Some(mut theirs) = now_there()? else {
            continue;
        };
        if !untouched && saved {
            mine.1 = theirs.output.clone();
        }
        if !untouched && progressed {
            (mine.0, mine.2) = (theirs.status, theirs.completed_at);
        }
        let mut n = 0;
        if mine.0 == StepStatus::NeedsRegeneration && theirs.status != StepStatus::NeedsRegeneration
        {
            let offers = regeneration_offers(conn, &workshop_id, &step_id)?;
            n += offer_in_order(conn, &offers, user_id, clock, version)?;
            let Some(row) = now_there()? else {
                continue;
            };
            theirs = row;
        }
        let registering = (n == 0 && !diverged && theirs.status != StepStatus::Complete)
            .then(|| theirs.output.clone())
            .flatten()
            .filter(|theirs| mine.1.as_ref() == Some(theirs));
        let offers = step_offers(
            &workshop_id,
            &step_id,
            mine,
            (theirs.status, theirs.output, theirs.completed_at),
            diverged,
        );
        let registering = registering.filter(|_| offers.is_empty());
        n += offer_in_order(conn, &offers, user_id, clock, version)?;
        // Nothing differs, but the restore took this database's version: the same output
        // goes, against itself as base, to tell the server which version was lost
        // (`recovery::registers`). Not on a complete step, where the server refuses any save.
        if let (0, Some(output), Some(lost)) = (n, registering, version) {
            let save = Mutation::SaveStepOutput {
                workshop_id: workshop_id.clone(),
                step_id: step_id.clone(),
                base: Some(output.clone()),
                output,
                at: now(),
            };
            let base_rev = step_records(conn, &workshop_id, Some(&step_id))?
                .pop()
                .and_then(|(_, rev)| rev);
            append_offer(conn, &save, base_rev, Some(lost))?;
            n += 1;
        }
        queued += n;
        if n > 0 {
            changed.push(workshop_id.clone());
        }
    }
    Ok((queued, changed))
}

/// Offers a step's `offers` again in their order ([`offer_again`]), up to the first the
/// domain refuses: the later ones build on it, and the refusal listed is the step's. Each
/// names the step's version `lost`. Returns how many were queued.
fn offer_in_order(
    conn: &Connection,
    offers: &[Mutation],
    user_id: &str,
    clock: Option<DateTime<Utc>>,
    lost: Option<&LostVersion>,
) -> Result<usize> {
    let mut queued = 0;
    for offer in offers {
        match offer_again(conn, offer, user_id, clock, lost)? {
            Offer::Queued => queued += 1,
            Offer::Unchanged => {}
            Offer::Refused => break,
        }
    }
    Ok(queued)
}

/// What sends `step_id` back to `needs_regeneration` on the server, where this database had
/// it there and the restore lost the revision that did it: no intent reaches that status
/// but an earlier step's revision, and which step was revised is read off the statuses
/// here (as they are now, with the earlier steps' offers applied): the nearest earlier step
/// that does not need regenerating itself and can be revised, every step between them
/// needing it already or taken back to its status here afterwards. It is completed first
/// if it is not complete (it needs an output), revised (its later steps go to
/// `needs_regeneration`, as here), and completed again if it was complete here; then each
/// step between it and `step_id` is taken back to its status here (a revision made before
/// those steps were started or completed again: revise the journey map, complete it, start
/// reframing). The later steps' own offers follow in step order. Empty when no earlier step
/// can be revised.
fn regeneration_offers(
    conn: &Connection,
    workshop_id: &str,
    step_id: &str,
) -> Result<Vec<Mutation>> {
    let steps = step_records(conn, workshop_id, None)?;
    let Some(at) = steps.iter().position(|(s, _)| s.step_id == step_id) else {
        return Ok(vec![]);
    };
    let revisable = |s: &StepRecord| match s.status {
        StepStatus::Complete => true,
        StepStatus::InProgress => s.output.is_some(),
        _ => false,
    };
    let Some(from) = (0..at)
        .rev()
        .find(|&i| steps[i].0.status != StepStatus::NeedsRegeneration && revisable(&steps[i].0))
    else {
        return Ok(vec![]);
    };
    let revised = &steps[from].0;
    let (workshop, step) = (workshop_id.to_string(), revised.step_id.clone());
    let complete = |step: &str| Mutation::CompleteStep {
        workshop_id: workshop.clone(),
        step_id: step.to_string(),
        at: now(),
    };
    let mut offers = vec![];
    if revised.status != StepStatus::Complete {
        offers.push(complete(&step));
    }
    offers.push(Mutation::ReviseStep {
        workshop_id: workshop.clone(),
        step_id: step.clone(),
        at: now(),
    });
    if revised.status == StepStatus::Complete {
        offers.push(complete(&step));
    }
    for (between, _) in &steps[from + 1..at] {
        offers.extend(status_offer(
            between.status,
            StepStatus::NeedsRegeneration,
            workshop_id,
            &between.step_id,
        ));
    }
    Ok(offers)
}

/// At the end of a reset's full pull: completes again, here and on the server
/// (`completeWorkshop`, applied and queued as a user's change is), each workshop whose
/// completion a restore lost ([`super::recovery::offer_lost_value`] noted them, during this pull or an
/// earlier one that a second reset cut short). By now the steps' lost statuses are queued
/// and applied here, so the server sees the steps complete first. A workshop the domain
/// will not complete here (its steps not all complete after their offers, in the trash,
/// gone, or not this user's to complete) is left as the pull brought it, and but for the
/// last reason its lost completion is listed with the refusals ([`offer_again`]). Returns
/// the workshops completed again.
pub(crate) fn offer_lost_completions(
    conn: &Connection,
    user_id: &str,
    clock: Option<DateTime<Utc>>,
) -> Result<Vec<String>> {
    let lost: Vec<(String, Option<LostVersion>)> = conn
        .prepare("SELECT workshop_id, lost FROM sync_lost_completions ORDER BY workshop_id")?
        .query_map([], |r| Ok((r.get(0)?, stored_version(r, 1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute("DELETE FROM sync_lost_completions", [])?;
    let at = clock.unwrap_or_else(now);
    let offers = lost
        .into_iter()
        .map(|(workshop_id, lost)| (Mutation::CompleteWorkshop { workshop_id, at }, lost));
    offer_each(conn, user_id, clock, offers)
}

/// Offers each of `offers` again, with the version it names ([`offer_again`]); returns the
/// workshops of those queued.
fn offer_each(
    conn: &Connection,
    user_id: &str,
    clock: Option<DateTime<Utc>>,
    offers: impl Iterator<Item = (Mutation, Option<LostVersion>)>,
) -> Result<Vec<String>> {
    let mut queued = Vec::new();
    for (offer, lost) in offers {
        if offer_again(conn, &offer, user_id, clock, lost.as_ref())? == Offer::Queued {
            queued.push(offer.workshop_id().to_string());
        }
    }
    Ok(queued)
}

/// At the end of a reset's full pull, after the lost steps and completions: puts back in
/// the trash, here and on the server (`deleteWorkshop` at the time the user trashed it),
/// each workshop this database had trashed that the restored server holds out of it
/// ([`super::recovery::offer_lost_value`] noted them). Returns the workshops trashed again.
pub(crate) fn offer_lost_trash(
    conn: &Connection,
    user_id: &str,
    clock: Option<DateTime<Utc>>,
) -> Result<Vec<String>> {
    let lost: Vec<(String, DateTime<Utc>, Option<LostVersion>)> = conn
        .prepare("SELECT workshop_id, deleted_at, lost FROM sync_lost_trash ORDER BY workshop_id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, stored_version(r, 2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute("DELETE FROM sync_lost_trash", [])?;
    let offers = lost
        .into_iter()
        .map(|(workshop_id, at, lost)| (Mutation::DeleteWorkshop { workshop_id, at }, lost));
    offer_each(conn, user_id, clock, offers)
}
