//! The sync protocol's bodies (docs/sync.md), shared by the server and the client so that
//! both read and write one definition. Unknown fields are ignored on both sides, so either
//! can add fields without breaking the other; [`crate::mutation::PROTOCOL_VERSION`] names
//! the vocabulary.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Change;

/// `POST /api/sync/push`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushRequest {
    pub protocol_version: u32,
    /// The client's id: one desktop database, bound to one user at its first push.
    pub client_id: String,
    /// In id order, ids consecutive.
    pub mutations: Vec<PushMutation>,
    /// The name of the machine the client runs on (its host name), kept by the server to
    /// say where a value came from when it conflicts ("Ada on ada-laptop"). At most 100
    /// characters are kept. Absent from older clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// One queued mutation as it travels: its per-client id (1, 2, 3... no gaps), its name and
/// arguments (a [`crate::Mutation`] when the server knows the name), and the server
/// revision of the row it was made against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushMutation {
    pub id: i64,
    pub name: String,
    pub args: Value,
    #[serde(default)]
    pub base_rev: Option<i64>,
    /// The mutation's own id (`mut_…`), made when it was queued and kept when the client
    /// renumbers under a new client id: the server applies one uid at most once per user,
    /// whichever client id carries it (docs/sync.md, "Exactly once across renewals").
    /// Absent from clients before protocol 1's uid; those are deduplicated per client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// On a value offered again after a restore: the version of the row this client last
    /// had from the server. The server applies the offer only when its own history lacks
    /// that version and no newer lost version of the row was offered before; otherwise the
    /// offer is stale and answered [`Outcome::Duplicate`] with no effect (docs/sync.md,
    /// "Lost versions").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost: Option<LostVersion>,
}

/// A row version a client holds and offers again after a restore: the row (its entity and
/// id, as in [`RowRev`]), its server revision and its version (a UUID the server gave that
/// write).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LostVersion {
    pub entity: String,
    pub id: String,
    pub rev: i64,
    pub version: String,
}

/// What became of one pushed mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Applied now.
    Applied,
    /// Refused by a domain rule; counts as processed (it leaves the queue; the user sees it).
    Rejected,
    /// Processed by an earlier push (a retry or a duplicate); no second effect.
    Duplicate,
    /// The server does not know this mutation; it stays in the queue until the server is
    /// upgraded. Nothing after it in the batch was processed.
    UpgradeRequired,
}

/// The result of one pushed mutation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MutationResult {
    pub id: i64,
    pub outcome: Outcome,
    /// For a rejection: the domain's message, naming the field and the limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For an applied mutation: the server revision of each row it wrote, so the client
    /// knows what the server holds of its own change before it pulls it back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revs: Vec<RowRev>,
}

/// A row's server revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowRev {
    /// `workshop`, `step`, `note`, `member`, `conflict`, `session` or `series`
    /// ([`Change::key`]).
    pub entity: String,
    pub id: String,
    pub rev: i64,
    /// The version that write gave the row (workshops, steps, notes and members; absent for
    /// other rows and from servers before row versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl RowRev {
    /// The revision and version of a written row.
    pub fn of(change: &Change, rev: i64, version: Option<String>) -> RowRev {
        let (entity, id) = change.key();
        RowRev {
            entity: entity.to_string(),
            id: id.to_string(),
            rev,
            version,
        }
    }
}

/// The answer to a push: one result per mutation processed, in order. Mutations after the
/// first one not processed (a gap, an unknown mutation) get no result and must be sent again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushResponse {
    /// The last mutation id of this client the server has processed.
    pub last_mutation_id: i64,
    pub results: Vec<MutationResult>,
}

/// A batch-level refusal code in an error body (`{"error", "code"}`), for the client to act on.
pub mod codes {
    /// The client id's mutation ids no longer match the server's record (the database was
    /// restored from its own backup or copied): take a new client id and renumber.
    pub const CLIENT_RESET: &str = "client_reset";
    /// The client id belongs to another user.
    pub const CLIENT_OWNED: &str = "client_owned";
}

/// `GET /api/sync/pull?cursor=&limit=&clientId=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullResponse {
    /// The cursor could not be served (the server's history was rewritten by a restore, the
    /// cursor is malformed or older than the tombstones kept): rebuild from a full pull
    /// (cursor absent). No changes come with a reset.
    #[serde(default)]
    pub reset: bool,
    /// With `reset`: the cursor is older than the tombstones the server keeps, and nothing
    /// else went wrong: the server lost nothing, so a row the client had from the server and
    /// the full pull lacks was deleted there (or the caller lost access), and goes; it is not
    /// offered again as after a restore.
    #[serde(default)]
    pub expired: bool,
    /// Pass back as `cursor` for the next page. Opaque.
    pub cursor: String,
    pub has_more: bool,
    /// The last mutation id of `clientId` the server has processed (0 when none).
    pub last_mutation_id: i64,
    /// In commit order; a row whose parent the client may lack comes after its parent.
    pub changes: Vec<PulledChange>,
    /// The newest change whose effects this answer may carry (rows come with their current
    /// values). The client keeps the newest it was given and sends it back as `seen`; a
    /// server that no longer holds it went back in time, and answers `reset`. Opaque.
    #[serde(default)]
    pub seen: String,
    /// On a full pull's pages (no cursor sent): how many workshops the caller may see in
    /// this answer's snapshot, trash included, so that a first sync can count its progress
    /// in workshops. Absent on later pulls and from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workshops: Option<i64>,
}

/// A row to keep, with its server revision, or a row to remove.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
// Nearly every change in a page is a Put: boxing it would cost an allocation per row to
// shrink the rare tombstone.
#[allow(clippy::large_enum_variant)]
pub enum PulledChange {
    Put(PutRow),
    Delete(Tombstone),
}

/// A row as the server holds it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutRow {
    /// The server's revision of the row.
    pub rev: i64,
    /// The version of the row (see [`RowRev::version`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(flatten)]
    pub row: Change,
}

/// A row that no longer exists on the server (or the caller lost access to).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tombstone {
    /// `workshop`, `step`, `note` or `member`.
    pub entity: String,
    pub id: String,
}

/// `GET /api/me`: the caller as the server knows them, and the sync protocol it speaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub user: MeUser,
    /// [`crate::mutation::PROTOCOL_VERSION`] of the server.
    pub protocol_version: u32,
}

/// A user as `GET /api/me` names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeUser {
    /// `usr_...`
    pub id: String,
    pub name: String,
}

/// `GET /api/users?q=`: people found by name, to share a workshop with. At most
/// [`crate::limits::PEOPLE_RESULTS_MAX`], names starting with the query first, then by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct People {
    pub users: Vec<MeUser>,
}

/// Every error answer's fixed part, `{"error", "field"?, "code"?}` (`reference/server-api.md`:
/// errors are JSON `{"error": "..."}`); a route may add its own keys beside them (a schema's
/// `errors`, the completion gate's `missingSteps`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// For people: names the field and the rule.
    pub error: String,
    /// The request field the error is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// One of [`codes`] where a client must act on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// One line of `GET /api/sync/snapshot` (docs/sync.md, "First sync: the snapshot"): an
/// NDJSON stream of a [`SnapshotLine::Header`], one [`SnapshotLine::Workshop`] per workshop
/// the caller may see (trash included, in workshop id order), and a [`SnapshotLine::End`]. A
/// stream without its `End` was cut short: the client resumes from the last workshop it
/// applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
// A Workshop line is nearly every line of a stream.
#[allow(clippy::large_enum_variant)]
pub enum SnapshotLine {
    Header(SnapshotHeader),
    Workshop(SnapshotWorkshop),
    End(SnapshotEnd),
}

/// The first line of a snapshot, read in the same REPEATABLE READ transaction as its rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotHeader {
    /// The resume token could not be served (the server's history was rewritten, or it is
    /// at or below the horizon of trimmed entries): start over with a paged full pull. No
    /// other line follows.
    #[serde(default)]
    pub reset: bool,
    /// With `reset`: only because the resume token's cursor is older than the tombstones the
    /// server keeps (as a pull's `expired`): the server lost nothing.
    #[serde(default)]
    pub expired: bool,
    /// The cursor the client takes when the stream ends: the highest `sync_log` position this
    /// snapshot sees (`"{position}.{changeId}"`, as `pull`'s). A resumed stream sends back
    /// the first snapshot's, so that the pull from it brings what changed between the two.
    pub cursor: String,
    /// The `seen` the client takes when the stream ends: this snapshot's log end (equal to
    /// `cursor` unless resumed).
    pub seen: String,
    /// The last mutation id of `clientId` the server has processed (0 when none).
    pub last_mutation_id: i64,
    /// Workshops that follow, and their rows (workshops included): exact.
    pub workshops: i64,
    pub rows: i64,
    /// About how many bytes the rows take in PostgreSQL (`pg_column_size`): an estimate, for
    /// a free-space check (the local database ends at about 1.7 times the JSON).
    pub bytes: i64,
}

/// A workshop and every row of it the caller may see: the workshop first, then its steps,
/// notes and conflicts (the caller's own), members, series, and sessions (after their
/// series). No tombstones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotWorkshop {
    pub id: String,
    pub rows: Vec<PutRow>,
}

/// The last line: the stream is whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotEnd {
    pub workshops: i64,
    pub rows: i64,
}
