//! REST routes that change a workshop build a [`Mutation`] and run it here, through the same
//! write path as sync push ([`crate::apply::apply_mutation`]): one implementation of
//! each operation.

use wp_domain::{Change, DomainError, Mutation};

use crate::apply::{apply_mutation, Writer};
use crate::auth::User;
use crate::{ApiError, AppState};

/// Applies `mutation` in one transaction. A workshop the caller may not see, may not change
/// in this way, or that is in the trash answers `hidden()` (REST routes make another user's
/// workshop look missing); other domain errors map as [`ApiError::from`].
pub async fn run(
    state: &AppState,
    user: &User,
    mutation: &Mutation,
    hidden: fn() -> ApiError,
) -> Result<Vec<Change>, ApiError> {
    let mut tx = state.pool.begin().await?;
    let changes = run_in(&mut tx, user, mutation, hidden).await?;
    tx.commit().await?;
    Ok(changes)
}

/// [`run`] inside the caller's transaction, for a route that writes more in the same one.
pub async fn run_in(
    conn: &mut sqlx::PgConnection,
    user: &User,
    mutation: &Mutation,
    hidden: fn() -> ApiError,
) -> Result<Vec<Change>, ApiError> {
    match apply_mutation(
        conn,
        mutation,
        Writer {
            user_id: &user.id,
            client_id: None,
        },
    )
    .await?
    {
        Ok(written) => Ok(written.into_iter().map(|(change, ..)| change).collect()),
        Err(
            DomainError::WorkshopNotFound(_)
            | DomainError::InTrash(_)
            | DomainError::Forbidden { .. },
        ) => Err(hidden()),
        Err(e) => Err(e.into()),
    }
}
