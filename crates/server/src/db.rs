//! Schema migrations (`crates/server/migrations/`, embedded) and the step definitions,
//! seeded from `wp_domain::STEPS` so the server and the desktop store agree.

use sqlx::PgPool;
use wp_domain::STEPS;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Applies pending migrations (each in a transaction, recorded in `_sqlx_migrations`) and
/// upserts the ten step definitions.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::Error> {
    MIGRATOR.run(pool).await?;
    let mut tx = pool.begin().await?;
    for def in STEPS {
        sqlx::query!(
            "INSERT INTO step_definitions (id, position, name, description, confirm_label) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET position = excluded.position, name = excluded.name,
               description = excluded.description, confirm_label = excluded.confirm_label",
            def.id,
            i32::from(def.order),
            def.name,
            def.description,
            def.confirm_label
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
