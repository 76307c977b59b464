//! One sync round: push every queued mutation, then pull every page since the cursor.

use serde::Serialize;
use wp_domain::mutation::PROTOCOL_VERSION;
use wp_domain::protocol::{Outcome, PushMutation, PushRequest, SnapshotLine};
use wp_store::{OutboxEntry, Store, StoreError};

use crate::api::{PushRefused, Transport};
use crate::SyncError;

/// Mutations per push: 200 (the server takes up to 500); halved on a 413.
pub const PUSH_BATCH: u32 = 200;
/// Rows per pull page: 2,000 (the server's most).
pub const PULL_PAGE: u32 = 2_000;

/// About how many of a full pull's `total` workshops have arrived whole: `total` times the
/// share of the log read (`rows` applied, about `remaining` changes left), at most the
/// `seen` workshops pages have touched. Without a total, the workshops seen.
fn workshops_received(
    total: Option<usize>,
    rows: usize,
    remaining: Option<i64>,
    seen: usize,
) -> usize {
    let (Some(total), Some(left)) = (total, remaining) else {
        return total.map_or(seen, |t| seen.min(t));
    };
    let all = rows + usize::try_from(left).unwrap_or(0);
    let share = if all == 0 { total } else { total * rows / all };
    share.min(seen).min(total)
}

/// This machine's host name, sent with each push so that a conflict can say which device a
/// value came from; `None` when the system gives none.
fn device_name() -> Option<String> {
    let name = gethostname::gethostname().into_string().ok()?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// Where a round stands, for progress on stderr or in a status bar.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "phase")]
pub enum Progress {
    /// `sent` of this round's mutations pushed so far.
    Pushing { sent: usize },
    /// `pages` pulled so far, `rows` written or deleted; `remaining`: about how many
    /// changes the server's log holds after this page (an estimate: one change may bring
    /// a whole workshop, several may be one row).
    ///
    /// On a full pull (a first sync, or a rebuild), the server counts the workshops the
    /// user may see (`workshops_total`); `workshops_received` is about how many of them
    /// have arrived whole, so progress can read "120 of 10,000 workshops": the total times
    /// the share of the change log read (a workshop's row comes before its steps, so its
    /// row alone does not count it), never more than the workshops seen so far.
    Pulling {
        pages: usize,
        rows: usize,
        remaining: Option<i64>,
        #[serde(rename = "workshopsReceived")]
        workshops_received: usize,
        #[serde(rename = "workshopsTotal")]
        workshops_total: Option<usize>,
    },
    /// The server could not serve the cursor: a full pull is under way. `expired`: the
    /// cursor was older than the tombstones the server keeps (90 days); otherwise the
    /// server's history was rewritten (a restore).
    Resetting { expired: bool },
}

/// How a round behaves.
#[derive(Debug, Clone, Copy)]
pub struct RoundOptions {
    /// Apply a mass delete the pull brings instead of holding it for the user.
    pub allow_mass_delete: bool,
    /// Rows per pull page, each applied in one SQLite transaction: [`PULL_PAGE`] by default.
    /// Background sync in the app asks for fewer ([`crate::background::APP_PULL_PAGE`]), so
    /// that a save on the app's other connection never waits long for a page's write.
    pub pull_page: u32,
    /// Pull without pushing the queue first: a poke's round, which leaves queued changes to
    /// their debounce so that typing still goes out in one push. (A reset or a change
    /// offered again is still pushed, as in any round.)
    pub pull_only: bool,
}

impl Default for RoundOptions {
    fn default() -> Self {
        RoundOptions {
            allow_mass_delete: false,
            pull_page: PULL_PAGE,
            pull_only: false,
        }
    }
}

/// What a round did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoundReport {
    pub applied: usize,
    pub duplicates: usize,
    pub rejected: usize,
    /// Mutations the server does not know yet (it needs an upgrade); still queued.
    pub waiting_for_upgrade: usize,
    pub pages: usize,
    pub rows_written: usize,
    pub rows_deleted: usize,
    pub rebased: usize,
    /// The server could not serve the cursor: the client rebuilt from a full pull.
    pub reset: bool,
    /// With `reset`: because this database had not synced for longer than the server keeps
    /// tombstones, not because the server's history was rewritten.
    pub expired: bool,
    /// Workshops the server had lost, offered again after a reset.
    pub offered_again: usize,
    /// The client id was renewed (its ids were used by another copy of the database).
    pub renewed_client_id: bool,
    /// Mutations still queued after the round.
    pub pending: i64,
    /// Deletions the pull brought that wait for the user: a mass delete (the mass-delete
    /// guard). Nothing of them is deleted until `Store::apply_held_deletes`.
    pub held_deletes: Option<wp_store::HeldDeletes>,
    /// The workshops the pull (or a first sync's snapshot) wrote or deleted rows of, each once.
    pub workshops: Vec<String>,
    /// Workshops a first sync's streamed snapshot wrote (`pages` counts its chunks).
    pub snapshot_workshops: usize,
}

/// The log position of a cursor or `seen` (`"{position}.{changeId}"`), if it has one.
fn position(text: &str) -> Option<i64> {
    text.split_once('.')?.0.parse().ok()
}

fn wire(entry: &OutboxEntry) -> Result<PushMutation, StoreError> {
    let wire = entry.mutation.to_wire()?;
    Ok(PushMutation {
        id: entry.mutation_id,
        name: wire.name.to_string(),
        args: wire.args,
        base_rev: entry.base_rev,
        uid: entry.uid.clone(),
        lost: entry.lost.clone(),
    })
}

async fn push_all(
    store: &mut Store,
    api: &impl Transport,
    report: &mut RoundReport,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), SyncError> {
    let mut batch = PUSH_BATCH;
    let mut sent = 0;
    loop {
        let state = store.sync_state()?.ok_or(SyncError::NotSignedIn)?;
        let pending = store.take_for_push(batch)?;
        if pending.is_empty() {
            return Ok(());
        }
        let request = PushRequest {
            protocol_version: PROTOCOL_VERSION,
            client_id: state.client_id,
            mutations: pending.iter().map(wire).collect::<Result<_, _>>()?,
            device: device_name(),
        };
        match api.push(&request).await? {
            Ok(response) if store.server_forgot(response.last_mutation_id)? => {
                // The server lost mutations it had acknowledged (a restore): rebuild. The
                // reset's full pull comes first: it queues again what the server lost, which
                // what is queued now may need (the round pushes again after it).
                forget_client(store, report, progress)?;
                return Ok(());
            }
            Ok(response) => {
                let requeued = store.record_push(&response.results)?;
                for r in &response.results {
                    match r.outcome {
                        Outcome::Applied => report.applied += 1,
                        Outcome::Duplicate => report.duplicates += 1,
                        Outcome::Rejected => report.rejected += 1,
                        Outcome::UpgradeRequired => report.waiting_for_upgrade += 1,
                    }
                }
                // A refused completion back in the queue is not refused yet: it goes again.
                report.rejected -= requeued;
                sent += response.results.len();
                progress(Progress::Pushing { sent });
                // Fewer results than mutations: a gap or an unknown mutation stopped the
                // server; what is left waits for the next round.
                if response.results.len() < pending.len() || report.waiting_for_upgrade > 0 {
                    return Ok(());
                }
            }
            Err(PushRefused::TooLarge) if batch > 1 => batch /= 2,
            Err(PushRefused::TooLarge) => {
                return Err(SyncError::Protocol(
                    "the server refuses even a single mutation as too large".into(),
                ))
            }
            Err(PushRefused::ClientReset) if !report.renewed_client_id => {
                store.renew_client_id()?;
                report.renewed_client_id = true;
            }
            Err(PushRefused::ClientReset) => {
                return Err(SyncError::Protocol(
                    "the server refused a new client id as reused".into(),
                ))
            }
        }
    }
}

/// The server went back in time for this client: rebuild from a full pull under a new
/// client id, so old ids read neither as duplicates nor as gaps.
fn forget_client(
    store: &mut Store,
    report: &mut RoundReport,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), SyncError> {
    report.reset = true;
    report.renewed_client_id = true;
    progress(Progress::Resetting { expired: false });
    store.reset_cursor(false)?;
    store.renew_client_id()?;
    Ok(())
}

/// The server could not serve the cursor (or a snapshot's resume token): the store starts
/// over from a full pull. After a restore, the server's record of this client went back in
/// time too: a new client id keeps its old ids from reading as duplicates or gaps. An
/// `expired` cursor loses the server nothing: the client id stands.
fn start_over(
    store: &mut Store,
    report: &mut RoundReport,
    progress: &mut dyn FnMut(Progress),
    expired: bool,
) -> Result<(), SyncError> {
    report.reset = true;
    report.expired = expired;
    progress(Progress::Resetting { expired });
    store.reset_cursor(expired)?;
    if !expired {
        store.renew_client_id()?;
        report.renewed_client_id = true;
    }
    Ok(())
}

/// JSON bytes of a snapshot's workshops gathered before they are written: 1 MiB. Each chunk
/// is one transaction in the CLI; a background store splits it further.
pub const SNAPSHOT_CHUNK_BYTES: usize = 1 << 20;
/// Times one round opens a snapshot again after its stream was cut short.
const SNAPSHOT_RESUMES: usize = 3;

/// A first sync as one streamed snapshot, when the store wants one
/// ([`Store::snapshot_start`]) and the server has them: chunks of whole workshops, each
/// written with the resume token; a stream cut short resumes after its last workshop
/// written. Returns with the cursor at the snapshot's end (the paged pull after it brings
/// what changed since), or untouched when the server has no snapshots; a reset (the resume
/// token's cursor is gone from the log) goes on as a pull's reset does.
async fn snapshot_first(
    store: &mut Store,
    api: &impl Transport,
    report: &mut RoundReport,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), SyncError> {
    let mut resumes = 0;
    loop {
        let Some(start) = store.snapshot_start()? else {
            return Ok(());
        };
        let state = store.sync_state()?.ok_or(SyncError::NotSignedIn)?;
        let Some(mut lines) = api.snapshot(&state.client_id, &start).await? else {
            return Ok(());
        };
        let header = match lines.next().await {
            Some(Ok((SnapshotLine::Header(header), _))) => header,
            Some(Err(e)) => return Err(e),
            _ => {
                return Err(SyncError::Protocol(
                    "a snapshot must begin with its header".into(),
                ))
            }
        };
        if header.reset {
            // The resumed snapshot's cursor cannot be served: a paged full pull follows.
            start_over(store, report, progress, header.expired)?;
            return Ok(());
        }
        if store.server_forgot(header.last_mutation_id)? {
            forget_client(store, report, progress)?;
            return Ok(());
        }
        if start.cursor.is_empty() {
            store.check_space_for(header.bytes)?;
        }
        let total = usize::try_from(header.workshops).unwrap_or(0);
        let mut received = 0;
        let mut rows = 0;
        let mut chunk = Vec::new();
        let mut bytes = 0;
        let mut cut: Option<SyncError> = None;
        let whole = loop {
            match lines.next().await {
                Some(Ok((SnapshotLine::Workshop(workshop), size))) => {
                    chunk.push(workshop);
                    bytes += size;
                    if bytes < SNAPSHOT_CHUNK_BYTES {
                        continue;
                    }
                }
                Some(Ok((SnapshotLine::End(_), _))) => break true,
                Some(Ok((SnapshotLine::Header(_), _))) => {
                    return Err(SyncError::Protocol(
                        "a snapshot sent a second header".into(),
                    ))
                }
                Some(Err(e)) => {
                    cut = Some(e);
                    break false;
                }
                None => break false,
            }
            received += chunk.len();
            report.workshops.extend(chunk.iter().map(|w| w.id.clone()));
            let applied = store.apply_snapshot(&header, &std::mem::take(&mut chunk), false)?;
            bytes = 0;
            rows += applied.rows_written;
            let left = (header.rows - rows as i64).max(0);
            note_snapshot(report, &applied, (received, total), left, progress);
        };
        received += chunk.len();
        report.workshops.extend(chunk.iter().map(|w| w.id.clone()));
        let applied = store.apply_snapshot(&header, &chunk, whole)?;
        rows += applied.rows_written;
        let left = if whole {
            0
        } else {
            (header.rows - rows as i64).max(0)
        };
        note_snapshot(report, &applied, (received, total), left, progress);
        if whole {
            return Ok(());
        }
        resumes += 1;
        if resumes > SNAPSHOT_RESUMES {
            return Err(cut.unwrap_or_else(|| {
                SyncError::Unreachable("the first sync's stream was cut short".into())
            }));
        }
        tracing::info!(error = ?cut, "a snapshot stream was cut short; resuming");
    }
}

/// Counts a snapshot chunk in the round's report and reports progress: `(received, total)`
/// workshops of this stream, and its rows `left` (the header's exact count less those
/// written), which a status line turns into the time left.
fn note_snapshot(
    report: &mut RoundReport,
    applied: &wp_store::SnapshotApplied,
    (received, total): (usize, usize),
    left: i64,
    progress: &mut dyn FnMut(Progress),
) {
    report.pages += 1;
    report.snapshot_workshops += applied.workshops;
    report.rows_written += applied.rows_written;
    report.rebased += applied.rebased;
    progress(Progress::Pulling {
        pages: report.pages,
        rows: report.rows_written + report.rows_deleted,
        remaining: Some(left),
        workshops_received: received.min(total),
        workshops_total: Some(total),
    });
}

async fn pull_all(
    store: &mut Store,
    api: &impl Transport,
    options: RoundOptions,
    report: &mut RoundReport,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), SyncError> {
    snapshot_first(store, api, report, progress).await?;
    let mut resets = 0;
    // The count the first page of a full pull gives: kept for the pages after it.
    let mut workshops_total = None;
    loop {
        let state = store.sync_state()?.ok_or(SyncError::NotSignedIn)?;
        let page = api
            .pull(
                &state.cursor,
                &state.seen,
                options.pull_page.max(1),
                &state.client_id,
            )
            .await?;
        if !page.reset && store.server_forgot(page.last_mutation_id)? {
            forget_client(store, report, progress)?;
            continue;
        }
        if page.reset {
            resets += 1;
            if resets > 2 {
                return Err(SyncError::Protocol(
                    "the server keeps refusing a full pull's cursor".into(),
                ));
            }
            start_over(store, report, progress, page.expired)?;
            continue;
        }
        if let Some(total) = page.workshops {
            workshops_total = usize::try_from(total).ok();
        }
        let applied = store.apply_pull_page(&page, options.allow_mass_delete)?;
        if !page.has_more {
            report.held_deletes = applied.held_deletes.clone();
        }
        report.pages += 1;
        report.rows_written += applied.rows_written;
        report.rows_deleted += applied.rows_deleted;
        report.rebased += applied.rebased;
        report.offered_again += applied.offered_again;
        for id in applied.workshops {
            if !report.workshops.contains(&id) {
                report.workshops.push(id);
            }
        }
        let remaining = match (position(&page.seen), position(&page.cursor)) {
            (Some(end), Some(at)) => Some((end - at).max(0)),
            _ => None,
        };
        progress(Progress::Pulling {
            pages: report.pages,
            rows: report.rows_written + report.rows_deleted,
            remaining: if page.has_more { remaining } else { Some(0) },
            workshops_received: workshops_received(
                workshops_total,
                report.rows_written + report.rows_deleted,
                if page.has_more { remaining } else { Some(0) },
                report.workshops.len(),
            ),
            workshops_total,
        });
        if !page.has_more {
            return Ok(());
        }
    }
}

/// One round: push the queue (in batches, each result recorded as it comes), then pull
/// every page (each applied with its cursor in one transaction). Work done before an error
/// stays done; the next round goes on from there. Changes offered again after a reset are
/// pushed in the same round. A reset's full pull comes before any push: a round that finds
/// one under way (cut short in an earlier round) pulls first, as does a push that finds the
/// server went back, since that pull queues again what a restore lost, which queued changes
/// may need on the server first (a workshop's completion needs its steps'). A mass delete the pull brings is held (see
/// [`RoundReport::held_deletes`]) unless `options` allow it; pushes run all the same.
pub async fn sync_round(
    store: &mut Store,
    api: &impl Transport,
    options: RoundOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<RoundReport, SyncError> {
    let mut report = RoundReport::default();
    let resuming_reset = store.sync_state()?.is_some_and(|s| s.resetting);
    if !resuming_reset && !options.pull_only {
        push_all(store, api, &mut report, progress).await?;
    }
    pull_all(store, api, options, &mut report, progress).await?;
    if report.offered_again > 0
        || ((report.reset || resuming_reset) && store.sync_state()?.is_some_and(|s| s.pending > 0))
    {
        push_all(store, api, &mut report, progress).await?;
        pull_all(store, api, options, &mut report, progress).await?;
    }
    report.pending = store.sync_state()?.map(|s| s.pending).unwrap_or(0);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::workshops_received;

    #[test]
    fn a_full_pull_counts_workshops_by_the_share_of_the_log_read() {
        // 1,500 workshop rows came first: their steps (13,500 changes) are still to come.
        assert_eq!(
            workshops_received(Some(1_500), 1_500, Some(13_500), 1_500),
            150
        );
        assert_eq!(
            workshops_received(Some(1_500), 7_500, Some(7_500), 1_500),
            750
        );
        // The last page: all of them.
        assert_eq!(
            workshops_received(Some(1_500), 15_000, Some(0), 1_500),
            1_500
        );
        // Never more than the workshops seen, nor than the total.
        assert_eq!(workshops_received(Some(1_500), 900, Some(100), 10), 10);
        assert_eq!(workshops_received(Some(3), 10, Some(0), 5), 3);
        // No total (an incremental pull, an older server): the workshops seen.
        assert_eq!(workshops_received(None, 10, Some(5), 4), 4);
        assert_eq!(workshops_received(Some(9), 10, None, 4), 4);
    }
}
