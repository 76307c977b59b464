//! What a server restore lost that only a desktop still held is offered again from it, never
//! dropped (docs/sync.md, "A server restored from a backup"): an open conflict, the user's
//! losing value, sent again as the change that made it so that the server's rules make the
//! conflict again; and a note the restored server logs as deleted because a save of it from
//! another client was refused there; sessions and series, alone or with a workshop offered
//! again whole. Each test fails on the code before it, which dropped the value silently.
//! `scripts/test.sh` starts PostgreSQL and sets `WP_TEST_DATABASE_URL`.

use serde_json::json;
use wp_domain::{ConflictKind, ConflictRecord};

mod common;
use common::{backup, pawpal_on_two_desktops, restore, server, write_past, Desktop};

/// Two desktops of Ada's hold PawPal; `before` runs on both (synced), then B makes its
/// change and syncs, the server is backed up, A makes its own change to the same thing and
/// syncs (a conflict: B's came first), and the server is restored to the backup. Returns
/// A's open conflicts after the conflict was made, and after A's reset (two rounds: the
/// reset with what it sends again, then the pull of the answer).
async fn conflict_lost_in_a_restore(
    before: impl Fn(&mut Desktop, &str),
    change_b: impl FnOnce(&mut Desktop, &str),
    change_a: impl FnOnce(&mut Desktop, &str),
) -> (Vec<ConflictRecord>, Vec<ConflictRecord>) {
    let s = server().await;
    let (mut a, mut b, workshop, _) = pawpal_on_two_desktops(&s).await;
    before(&mut a, &workshop);
    a.sync().await;
    b.sync().await;
    change_b(&mut b, &workshop);
    b.sync().await;
    let saved = backup(&s.pool).await;
    change_a(&mut a, &workshop);
    a.sync().await;
    let made = a.store.conflicts(true).unwrap();

    restore(&s.pool, saved).await;
    write_past(&mut b, &workshop).await;
    let report = a.sync().await;
    assert!(report.reset, "A sees that the server went back: {report:?}");
    assert_eq!(report.rejected, 0, "{report:?}");
    a.sync().await;
    (made, a.store.conflicts(true).unwrap())
}

/// The one open conflict's kind and its three values.
fn values(conflicts: &[ConflictRecord]) -> (ConflictKind, serde_json::Value, serde_json::Value) {
    assert_eq!(conflicts.len(), 1, "one open conflict: {conflicts:?}");
    let c = &conflicts[0];
    (c.kind, c.theirs.clone(), c.mine.clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_title_conflict_the_restore_lost_is_made_again() {
    let (made, after) = conflict_lost_in_a_restore(
        |_, _| {},
        |b, w| {
            b.store.rename_workshop(w, "PawPal, as B named it").unwrap();
        },
        |a, w| {
            a.store.rename_workshop(w, "PawPal, as A named it").unwrap();
        },
    )
    .await;
    let expected = (
        ConflictKind::Title,
        json!("PawPal, as B named it"),
        json!("PawPal, as A named it"),
    );
    assert_eq!(values(&made), expected);
    assert_eq!(values(&after), expected, "A's title is a conflict again");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_note_conflict_the_restore_lost_is_made_again() {
    let (made, after) = conflict_lost_in_a_restore(
        |a, w| {
            a.store
                .set_note(w, None, "Bring sticky notes\nBook the room\n")
                .unwrap();
        },
        |b, w| {
            b.store
                .set_note(w, None, "Bring sticky notes\nBook the big room\n")
                .unwrap();
        },
        |a, w| {
            a.store
                .set_note(w, None, "Bring sticky notes\nBook the small room\n")
                .unwrap();
        },
    )
    .await;
    let (kind, theirs, mine) = values(&made);
    assert_eq!(kind, ConflictKind::Note);
    assert_eq!(
        values(&after),
        (kind, theirs, mine),
        "A's note is a conflict again"
    );
}

/// A note the restore lost, which the restored server then logs as deleted because a save
/// of it from another client was refused there (its workshop is in the trash in the
/// backup): the desktop that wrote it keeps it through its reset and sends it again after
/// the workshop's way out of the trash, instead of taking the tombstone as the user's text
/// gone.
#[tokio::test(flavor = "multi_thread")]
async fn a_note_the_restore_lost_outlives_a_refused_save_of_it_elsewhere() {
    use wp_domain::mutation::PROTOCOL_VERSION;
    use wp_domain::protocol::{Outcome, PushMutation, PushRequest};

    let s = server().await;
    let (mut a, _b, workshop, token) = pawpal_on_two_desktops(&s).await;
    a.store.delete_workshop(&workshop).unwrap();
    a.sync().await;
    let saved = backup(&s.pool).await;
    a.store.restore_workshop(&workshop).unwrap();
    a.store
        .set_note(&workshop, None, "Ask the vet about the budget\n")
        .unwrap();
    a.sync().await;
    let note = a.store.note(&workshop, None).unwrap().unwrap();

    // The server goes back to the trashed workshop without the note; a save of the same
    // note from another client is refused there, and the server logs the note as deleted.
    restore(&s.pool, saved).await;
    let api = common::quick_api(&s.base, &token);
    let answer = api
        .push(&PushRequest {
            protocol_version: PROTOCOL_VERSION,
            client_id: "cl_another_copy".into(),
            device: None,
            mutations: vec![PushMutation {
                id: 1,
                name: "setNote".into(),
                args: json!({
                    "noteId": note.record.id,
                    "workshopId": workshop,
                    "content": "Ask the vet\n",
                    "at": "2026-12-01T09:00:00Z",
                }),
                base_rev: None,
                uid: None,
                lost: None,
            }],
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer.results[0].outcome, Outcome::Rejected, "{answer:?}");

    for _ in 0..3 {
        a.sync().await;
    }
    let here = a.store.note(&workshop, None).unwrap();
    assert_eq!(
        here.map(|n| n.record.content).as_deref(),
        Some("Ask the vet about the budget\n"),
        "A keeps its note"
    );
    let on_server: Option<String> =
        sqlx::query_scalar("SELECT content FROM notes WHERE workshop_id = $1 AND step_id IS NULL")
            .bind(&workshop)
            .fetch_optional(&s.pool)
            .await
            .unwrap();
    assert_eq!(on_server.as_deref(), Some("Ask the vet about the budget\n"));
}

/// A single session's form, `in_days` from now.
fn session_in(in_days: i64, title: &str) -> wp_domain::mutation::SessionForm {
    wp_domain::mutation::SessionForm {
        title: Some(title.into()),
        description: String::new(),
        // Whole minutes: PostgreSQL keeps microseconds, and the test compares instants.
        scheduled_at: chrono::DurationRound::duration_trunc(
            chrono::Utc::now() + chrono::Duration::days(in_days),
            chrono::Duration::minutes(1),
        )
        .unwrap(),
        duration_minutes: 60,
        is_private: false,
        max_capacity: None,
    }
}

/// Sessions and series a restore lost, offered again from the desktop that made them: a
/// session scheduled after the backup, another moved after it, a series created after it
/// with one occurrence cancelled. The server has all of them again after A's reset, as A
/// left them, and both desktops agree.
#[tokio::test(flavor = "multi_thread")]
async fn sessions_and_a_series_the_restore_lost_are_made_again() {
    use chrono::{Duration, NaiveTime, Utc, Weekday};
    use wp_domain::mutation::SeriesForm;
    use wp_domain::series::{End, Frequency, RuleForm};
    use wp_domain::SessionStatus;

    let s = server().await;
    let (mut a, mut b, workshop, _) = pawpal_on_two_desktops(&s).await;
    let moved = a
        .store
        .create_session(&workshop, session_in(3, "Kick-off"))
        .unwrap();
    a.sync().await;
    b.sync().await;
    let saved = backup(&s.pool).await;

    let mut later = session_in(5, "Kick-off, moved");
    later.scheduled_at = moved.scheduled_at + Duration::days(2);
    a.store
        .update_session(&workshop, &moved.id, later.clone())
        .unwrap();
    let single = a
        .store
        .create_session(&workshop, session_in(2, "Stakeholder review"))
        .unwrap();
    let series = a
        .store
        .create_series(
            &workshop,
            SeriesForm {
                title: "Weekly design review".into(),
                description: String::new(),
                rule: RuleForm {
                    frequency: Frequency::Weekly,
                    days: vec![Weekday::Tue],
                    monthly: None,
                    end: End::Never,
                },
                start_date: (Utc::now() + Duration::days(2)).date_naive(),
                time_of_day: NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
                timezone: "America/New_York".into(),
                duration_minutes: 90,
                is_private: false,
            },
        )
        .unwrap();
    let (_, occurrences) = a.store.series_with_sessions(&series.id).unwrap();
    let cancelled = occurrences[1].id.clone();
    a.store.cancel_session(&workshop, &cancelled).unwrap();
    let report = a.sync().await;
    assert_eq!(report.rejected, 0, "{report:?}");
    let before = a.store.schedule(&workshop).unwrap();

    restore(&s.pool, saved).await;
    write_past(&mut b, &workshop).await;
    let report = a.sync().await;
    assert!(report.reset, "{report:?}");
    a.sync().await;
    b.sync().await;

    let server_session = |id: String| {
        let pool = s.pool.clone();
        async move {
            sqlx::query_as::<_, (String, chrono::DateTime<Utc>)>(
                "SELECT status, scheduled_at FROM sessions WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        server_session(single.id.clone())
            .await
            .map(|(s, _)| s)
            .as_deref(),
        Some("scheduled"),
        "the session scheduled after the backup is back"
    );
    assert_eq!(
        server_session(moved.id.clone()).await.map(|(_, at)| at),
        Some(later.scheduled_at),
        "the session moved after the backup is moved again"
    );
    assert_eq!(
        server_session(cancelled.clone())
            .await
            .map(|(s, _)| s)
            .as_deref(),
        Some(SessionStatus::Cancelled.as_str()),
        "the series is back, with its occurrence cancelled again"
    );
    assert_eq!(
        a.store.schedule(&workshop).unwrap().sessions,
        before.sessions
    );
    assert_eq!(
        b.store.schedule(&workshop).unwrap().sessions,
        before.sessions,
        "B has them all too"
    );
}

/// A session the restore lost that the server refuses to make again (an editor's, on a
/// workshop the owner had in the trash in the backup): it is listed with the refusals,
/// naming why, and goes from the editor's desktop, as one never synced would.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_session_the_server_refuses_again_is_listed_and_goes() {
    let s = server().await;
    let (mut ada, mut eve, _, workshop) =
        common::pawpal_shared_with_eve(&s, wp_domain::Role::Editor).await;
    ada.store.delete_workshop(&workshop).unwrap();
    ada.sync().await;
    eve.sync().await;
    let saved = backup(&s.pool).await;
    ada.store.restore_workshop(&workshop).unwrap();
    ada.sync().await;
    eve.sync().await;
    let lost = eve
        .store
        .create_session(&workshop, session_in(4, "Eve's dry run"))
        .unwrap();
    assert_eq!(eve.sync().await.rejected, 0);

    // Back to the trashed workshop; someone else's notes move the log past Eve's cursor.
    restore(&s.pool, saved).await;
    let (_, zed_token) = wp_server::auth::add_user(&s.pool, "Zed").await.unwrap();
    let mut zed = Desktop::new(&s, &zed_token).await;
    let own = zed
        .store
        .create_workshop(Some("Zed's"), "")
        .unwrap()
        .workshop
        .record
        .id;
    write_past(&mut zed, &own).await;

    let report = eve.sync().await;
    assert!(report.reset, "{report:?}");
    eve.sync().await;
    let refused = eve.store.rejections().unwrap();
    assert!(
        refused
            .iter()
            .any(|r| r.name == "createSession" && r.args["sessionId"] == json!(lost.id)),
        "listed with the refusals: {refused:?}"
    );
    assert!(
        eve.store.session(&lost.id).is_err(),
        "and gone from Eve's desktop"
    );
}

/// A workshop made after the backup, with a series and a session: the restore takes it
/// whole, and the owner's reset offers it again whole (`putWorkshop`), its series and
/// session after it, instead of dropping them with the queue the snapshot replaces.
#[tokio::test(flavor = "multi_thread")]
async fn a_workshop_the_restore_lost_comes_back_with_its_schedule() {
    use chrono::{Duration, NaiveTime, Utc, Weekday};
    use wp_domain::mutation::SeriesForm;
    use wp_domain::series::{End, Frequency, RuleForm};

    let s = server().await;
    let (mut a, mut b, workshop, _) = pawpal_on_two_desktops(&s).await;
    let saved = backup(&s.pool).await;
    let made = a
        .store
        .import_workshop(common::PAWPAL)
        .unwrap()
        .workshop
        .record
        .id;
    let session = a
        .store
        .create_session(&made, session_in(6, "Show and tell"))
        .unwrap();
    let series = a
        .store
        .create_series(
            &made,
            SeriesForm {
                title: "Fortnightly check-in".into(),
                description: String::new(),
                rule: RuleForm {
                    frequency: Frequency::Weekly,
                    days: vec![Weekday::Fri],
                    monthly: None,
                    end: End::Never,
                },
                start_date: (Utc::now() + Duration::days(3)).date_naive(),
                time_of_day: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
                timezone: "Asia/Tokyo".into(),
                duration_minutes: 45,
                is_private: false,
            },
        )
        .unwrap();
    assert_eq!(a.sync().await.rejected, 0);
    let before = a.store.schedule(&made).unwrap().sessions;

    restore(&s.pool, saved).await;
    write_past(&mut b, &workshop).await;
    let report = a.sync().await;
    assert!(report.reset, "{report:?}");
    a.sync().await;

    let count = |table: &'static str, id: String| {
        let pool = s.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "SELECT count(*) FROM {table} WHERE id = $1"
            )))
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        count("workshops", made.clone()).await,
        1,
        "the workshop is back"
    );
    assert_eq!(
        count("sessions", session.id.clone()).await,
        1,
        "its session too"
    );
    assert_eq!(
        count("series", series.id.clone()).await,
        1,
        "and its series"
    );
    assert_eq!(a.store.schedule(&made).unwrap().sessions, before);
}

/// Case 4 of issue 26: after the restore, B writes the title and the workshop's note again
/// before A resets, so the server holds them at the same revisions A had for its own lost
/// writes: two histories, one revision. A's reset tells them apart by value and offers its
/// own again against no known base, so the server makes a conflict of each: B's value
/// stays, A's is listed beside it for the user to choose. On the code before, A took B's
/// values over its own silently (the same revision read as "nothing lost").
#[tokio::test(flavor = "multi_thread")]
async fn a_write_after_the_restore_at_the_same_revision_does_not_hide_a_lost_value() {
    let s = server().await;
    let (mut a, mut b, workshop, _) = pawpal_on_two_desktops(&s).await;
    let saved = backup(&s.pool).await;
    a.store
        .rename_workshop(&workshop, "PawPal, as A named it")
        .unwrap();
    a.store.set_note(&workshop, None, "A's words\n").unwrap();
    assert_eq!(a.sync().await.applied, 2);

    restore(&s.pool, saved).await;
    b.store
        .rename_workshop(&workshop, "PawPal, as B named it")
        .unwrap();
    b.store.set_note(&workshop, None, "B's words\n").unwrap();
    assert_eq!(b.sync().await.applied, 2);
    write_past(&mut b, &workshop).await;

    let report = a.sync().await;
    assert!(report.reset, "{report:?}");
    a.sync().await;
    let mut open: Vec<(ConflictKind, serde_json::Value, serde_json::Value)> = a
        .store
        .conflicts(true)
        .unwrap()
        .into_iter()
        .map(|c| (c.kind, c.theirs, c.mine))
        .collect();
    open.sort_by_key(|(kind, ..)| format!("{kind:?}"));
    assert_eq!(
        open,
        [
            (
                ConflictKind::Note,
                json!("B's words\n"),
                json!("A's words\n")
            ),
            (
                ConflictKind::Title,
                json!("PawPal, as B named it"),
                json!("PawPal, as A named it")
            ),
        ],
        "both of A's lost values are listed beside B's"
    );
    let title = a.store.workshop(&workshop).unwrap().workshop.record.title;
    assert_eq!(
        title, "PawPal, as B named it",
        "the server's value stays live"
    );
}

/// A session whose creation was acknowledged only as a duplicate: the first push's answer
/// was lost, the second was answered "already processed" (which carries no revision) and
/// its pull failed, so A never learned the server's revision of it. The restore then took
/// it. A's reset still offers it again, since no queued change makes it any more (seed 16 at
/// 2,000 steps). On the code before, the session stayed on A alone.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_acknowledged_as_a_duplicate_that_the_restore_lost_is_made_again() {
    use common::{AnswerLost, PushOnly};
    use wp_sync::{sync_round, RoundOptions};

    let s = server().await;
    let (mut a, mut b, workshop, _) = pawpal_on_two_desktops(&s).await;
    let saved = backup(&s.pool).await;
    let session = a
        .store
        .create_session(&workshop, session_in(3, "Kick-off"))
        .unwrap();
    let lost = sync_round(
        &mut a.store,
        &AnswerLost(&a.api),
        RoundOptions::default(),
        &mut |_| {},
    )
    .await;
    assert!(lost.is_err(), "the first answer is lost");
    let again = sync_round(
        &mut a.store,
        &PushOnly(&a.api),
        RoundOptions::default(),
        &mut |_| {},
    )
    .await;
    assert!(again.is_err(), "the pull after the duplicate fails");
    assert_eq!(
        a.store.sync_state().unwrap().unwrap().pending,
        0,
        "acknowledged as a duplicate"
    );

    restore(&s.pool, saved).await;
    write_past(&mut b, &workshop).await;
    let report = a.sync().await;
    assert!(report.reset, "{report:?}");
    assert_eq!(report.rejected, 0, "{report:?}");
    let on_server: Option<String> = sqlx::query_scalar("SELECT status FROM sessions WHERE id = $1")
        .bind(&session.id)
        .fetch_optional(&s.pool)
        .await
        .unwrap();
    assert_eq!(
        on_server.as_deref(),
        Some("scheduled"),
        "the session is back"
    );
}
