//! Values offered again after a restore, judged by the server's own history (docs/sync.md,
//! "Lost versions"; issue 26, cases 1 and 4). A desktop that offers a row's value again
//! names the version of the row it last had from the server ([`LostVersion`]). Every write
//! of a workshop, step, note, membership, session or series gives the row a new version,
//! and the server keeps each in `sync_versions` (`migrations/0009_row_versions.sql`), so
//! it can tell:
//!
//! - the version is there: its history holds it, and whatever the row holds now came after
//!   it. Nothing was lost; the offer is stale.
//! - it is not: the restore took it. The offer stands, unless a newer lost version of the
//!   row was offered before (`sync_lost_versions`: two desktops that held different
//!   versions of what the restore took, the older one offered last). The row's `rev` is then raised to the lost one, so
//!   the offer writes above every revision the restore took, and what is written after it
//!   (and lost in a later restore) reads as newer.

use sqlx::PgConnection;
use wp_domain::protocol::LostVersion;

use crate::ApiError;

/// Whether an offer of `lost`, made by a mutation on `workshop_id`, is stale: the server's
/// history holds that version, or a newer lost version of the row was offered before. When
/// it is not, the row's newest lost revision is recorded and the row's `rev` raised to it
/// (in the caller's transaction, so a refused offer leaves neither). A `lost` naming a row
/// this server does not have, a row of another workshop or an unknown entity is not judged
/// (`false`): the mutation's own checks decide.
pub(super) async fn stale(
    conn: &mut PgConnection,
    lost: &LostVersion,
    workshop_id: &str,
) -> Result<bool, ApiError> {
    let row = sqlx::query!(
        r#"SELECT rev AS "rev!", workshop_id AS "workshop_id!" FROM (
             SELECT rev, id AS workshop_id FROM workshops WHERE $1 = 'workshop' AND id = $2
             UNION ALL SELECT rev, workshop_id FROM workshop_steps WHERE $1 = 'step' AND id = $2
             UNION ALL SELECT rev, workshop_id FROM notes WHERE $1 = 'note' AND id = $2
             UNION ALL SELECT rev, workshop_id FROM workshop_members WHERE $1 = 'member' AND id = $2
             UNION ALL SELECT rev, workshop_id FROM sessions WHERE $1 = 'session' AND id = $2
             UNION ALL SELECT rev, workshop_id FROM series WHERE $1 = 'series' AND id = $2
           ) r"#,
        lost.entity,
        lost.id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row.filter(|r| r.workshop_id == workshop_id) else {
        return Ok(false);
    };
    let held = sqlx::query_scalar!(
        // A version that is not a UUID was never the server's: not held (and no cast fails).
        r#"SELECT EXISTS (SELECT 1 FROM sync_versions WHERE version =
             CASE WHEN $1 ~ '^[0-9a-fA-F-]{36}$' THEN $1::uuid END) AS "held!""#,
        lost.version
    )
    .fetch_one(&mut *conn)
    .await?;
    if held {
        return Ok(true);
    }
    let newest = sqlx::query_scalar!(
        "INSERT INTO sync_lost_versions (entity, entity_id, rev) VALUES ($1, $2, $3)
         ON CONFLICT (entity, entity_id) DO UPDATE SET rev = greatest(sync_lost_versions.rev, excluded.rev)
         RETURNING rev",
        lost.entity,
        lost.id,
        lost.rev
    )
    .fetch_one(&mut *conn)
    .await?;
    if newest > lost.rev {
        return Ok(true);
    }
    // The row's revisions go on above the lost ones: a version written from now on, lost
    // in a later restore, reads as newer than this one.
    if row.rev < newest {
        sqlx::query!(
            "WITH w AS (UPDATE workshops SET rev = $3 WHERE $1 = 'workshop' AND id = $2 AND rev < $3),
                  s AS (UPDATE workshop_steps SET rev = $3 WHERE $1 = 'step' AND id = $2 AND rev < $3),
                  n AS (UPDATE notes SET rev = $3 WHERE $1 = 'note' AND id = $2 AND rev < $3),
                  m AS (UPDATE workshop_members SET rev = $3 WHERE $1 = 'member' AND id = $2 AND rev < $3),
                  o AS (UPDATE sessions SET rev = $3 WHERE $1 = 'session' AND id = $2 AND rev < $3),
                  r AS (UPDATE series SET rev = $3 WHERE $1 = 'series' AND id = $2 AND rev < $3)
             SELECT 1 AS one",
            lost.entity,
            lost.id,
            newest
        )
        .fetch_one(&mut *conn)
        .await?;
    }
    Ok(false)
}
