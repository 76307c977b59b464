//! The rolling horizon's job (`reference/series.md`): inside the server process, every
//! interval, each active series that may be due (its latest occurrence's local date before
//! [`wp_domain::series::rolling::not_due_from`], or none) gets the occurrences
//! [`wp_domain::series::rolling::due`] asks for, through the `rollSeries` mutation applied as
//! the workshop's owner: the domain decides, as in the app. Each series is its own
//! transaction, its row locked, and occurrences are keyed by (series, local date): two
//! server processes running the job at once make each row once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use wp_domain::series::rolling::not_due_from;
use wp_domain::Mutation;

use crate::apply::{apply_mutation_at, Writer};
use crate::ApiError;

/// How often the job runs by default: every hour (`WP_ROLL_INTERVAL_SECS` overrides).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(3600);

/// One run at `now`: returns how many sessions were made. A series the rules refuse (a
/// zone this build does not know) is logged and skipped.
pub async fn run_once(pool: &PgPool, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let due = sqlx::query!(
        "SELECT s.id, s.workshop_id, w.owner_id FROM series s JOIN workshops w ON w.id = s.workshop_id
         WHERE s.is_active AND w.deleted_at IS NULL
           AND coalesce((SELECT max(o.local_date) FROM sessions o WHERE o.series_id = s.id), '-infinity'::date)
               < $1
         ORDER BY s.id",
        not_due_from(now)
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|s| (s.id, s.workshop_id, s.owner_id));
    let mut made = 0;
    for (series_id, workshop_id, owner_id) in due {
        let mutation = Mutation::RollSeries {
            series_id: series_id.clone(),
            workshop_id,
            at: now,
        };
        let mut tx = pool.begin().await?;
        match apply_mutation_at(
            &mut tx,
            &mutation,
            Writer {
                user_id: &owner_id,
                client_id: None,
            },
            now,
        )
        .await?
        {
            Ok(written) => {
                tx.commit().await?;
                made += written.len();
            }
            Err(e) => {
                tracing::warn!(series = %series_id, error = %e, "rolling a series failed");
            }
        }
    }
    Ok(made)
}

/// Runs the job now and then every `interval`, for as long as the server runs.
pub fn spawn(pool: PgPool, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        loop {
            ticker.tick().await;
            match run_once(&pool, Utc::now()).await {
                Ok(0) => {}
                Ok(made) => tracing::info!(made, "rolling horizon: sessions made"),
                Err(e) => tracing::warn!(error = ?e, "rolling horizon run failed"),
            }
        }
    })
}
