//! Sessions and series in the local store: made offline, each change one mutation in the
//! outbox, the rolling horizon run by the app, and a version 7 database carried over.

mod common;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use rusqlite::Connection;
use wp_domain::mutation::{SeriesForm, SessionForm};
use wp_domain::series::{End, Frequency, RuleForm};
use wp_domain::SessionStatus;
use wp_store::{Store, StoreError, MIGRATIONS};

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn weekly_form(start: NaiveDate) -> SeriesForm {
    SeriesForm {
        title: "Design sprint".into(),
        description: String::new(),
        rule: RuleForm {
            frequency: Frequency::Weekly,
            days: vec![Weekday::Tue],
            monthly: None,
            end: End::Never,
        },
        start_date: start,
        time_of_day: NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
        timezone: "Europe/London".into(),
        duration_minutes: 60,
        is_private: false,
    }
}

#[test]
fn a_series_made_offline_is_one_queued_mutation_and_rolls_forward() {
    let (_dir, mut store) = common::store();
    let workshop = common::pawpal(&mut store);
    store.set_clock(Some(utc(2025, 3, 1, 12)));
    let queued = store.outbox_len().unwrap();
    let series = store
        .create_series(
            &workshop.workshop.record.id,
            weekly_form(NaiveDate::from_ymd_opt(2025, 3, 4).unwrap()),
        )
        .unwrap();
    assert_eq!(store.outbox_len().unwrap(), queued + 1);
    let schedule = store.schedule(&workshop.workshop.record.id).unwrap();
    assert!(schedule.can_schedule);
    assert_eq!(
        schedule.series[0].description,
        "every week on Tuesday at 19:00 (London time)"
    );
    let occurrences = schedule.sessions.len();
    assert_eq!(occurrences, 13, "4 March to 27 May: 90 days of Tuesdays");
    // 30 March: London moves to BST; 19:00 stays 19:00.
    assert_eq!(schedule.sessions[3].scheduled_at, utc(2025, 3, 25, 19));
    assert_eq!(schedule.sessions[4].scheduled_at, utc(2025, 4, 1, 18));
    assert_eq!(schedule.series[0].next_at, Some(utc(2025, 3, 4, 19)));

    // Nothing is due while the latest occurrence is 30 days or more away.
    assert_eq!(store.roll_series().unwrap(), 0);
    store.set_clock(Some(utc(2025, 5, 1, 12)));
    let made = store.roll_series().unwrap();
    assert!(made > 0);
    assert_eq!(
        store.roll_series().unwrap(),
        0,
        "the same roll again makes nothing"
    );
    let (_, sessions) = store.series_with_sessions(&series.id).unwrap();
    let last = sessions.iter().map(|s| s.scheduled_at).max().unwrap();
    // 90 days from the later of the latest occurrence (27 May) and now.
    assert!(last <= utc(2025, 5, 27, 18) + Duration::days(90));
    assert_eq!(last, utc(2025, 8, 19, 18));

    // The Agenda lists what is upcoming from now, with the series' zone.
    let agenda = store.agenda(50).unwrap();
    assert!(agenda
        .iter()
        .all(|a| a.session.scheduled_at >= utc(2025, 5, 1, 11)));
    assert_eq!(agenda[0].series_zone_label.as_deref(), Some("London"));
    assert_eq!(agenda[0].workshop_title, "PawPal");

    // The list names the next session, in its series' zone; a cancelled one is skipped.
    let next = |store: &Store| {
        let list = store.list_workshops(&Default::default()).unwrap();
        (list[0].next_session_at, list[0].next_session_zone.clone())
    };
    assert_eq!(
        next(&store),
        (
            Some(agenda[0].session.scheduled_at),
            Some("Europe/London".to_string())
        )
    );

    // Cancel one; then this one and all that follow.
    let first = agenda[0].session.id.clone();
    let cancelled = store
        .cancel_session(&workshop.workshop.record.id, &first)
        .unwrap();
    assert_eq!(cancelled.status, SessionStatus::Cancelled);
    assert_eq!(next(&store).0, Some(agenda[1].session.scheduled_at));
    assert!(store
        .agenda(50)
        .unwrap()
        .iter()
        .all(|a| a.session.id != first));
    let third = agenda[2].session.id.clone();
    let cut = store
        .cancel_series(&workshop.workshop.record.id, &series.id, Some(&third))
        .unwrap();
    assert!(cut.rrule.contains(";UNTIL="), "{}", cut.rrule);
    let upcoming = store.agenda(50).unwrap();
    assert_eq!(
        upcoming.len(),
        1,
        "only the second of May's occurrences stays"
    );
    assert_eq!(next(&store).0, Some(upcoming[0].session.scheduled_at));
    // Past its start, a session is no longer "next".
    store.set_clock(Some(
        upcoming[0].session.scheduled_at + Duration::minutes(1),
    ));
    assert_eq!(next(&store), (None, None));
}

#[test]
fn bad_input_names_the_field_and_changes_nothing() {
    let (_dir, mut store) = common::store();
    let workshop = common::pawpal(&mut store);
    store.set_clock(Some(utc(2025, 3, 1, 12)));
    let queued = store.outbox_len().unwrap();
    let mut form = weekly_form(NaiveDate::from_ymd_opt(2025, 3, 4).unwrap());
    form.rule.end = End::Count { count: 60 };
    let err = store
        .create_series(&workshop.workshop.record.id, form)
        .unwrap_err();
    assert_eq!(err.to_string(), "count: Maximum 52 instances allowed");
    let err = store
        .create_session(
            &workshop.workshop.record.id,
            SessionForm {
                title: Some("Kick-off".into()),
                description: String::new(),
                scheduled_at: utc(2025, 3, 1, 12) + Duration::minutes(5),
                duration_minutes: 60,
                is_private: false,
                max_capacity: None,
            },
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Domain(_)));
    assert!(err.to_string().contains("at least 15 minutes"), "{err}");
    assert_eq!(store.outbox_len().unwrap(), queued);
    assert!(store
        .schedule(&workshop.workshop.record.id)
        .unwrap()
        .sessions
        .is_empty());
}

#[test]
fn a_version_7_database_keeps_its_old_session_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v7.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL, app_version TEXT NOT NULL) STRICT;",
        )
        .unwrap();
        for (version, name, sql) in &MIGRATIONS[..7] {
            conn.execute_batch(sql).unwrap();
            conn.execute(
                "INSERT INTO schema_version VALUES (?1, ?2, '2026-01-01', '0.0.7')",
                (version, name),
            )
            .unwrap();
        }
        conn.execute_batch(
            "INSERT INTO local_profile (id, user_id, created_at) VALUES (1, 'usr_old', '2026-01-01');
             INSERT INTO workshops (id, owner_id, title, created_at, updated_at)
               VALUES ('ws_old', 'usr_old', 'Old workshop', '2026-01-01 10:00:00+00:00', '2026-01-01 10:00:00+00:00');
             INSERT INTO sessions (id, workshop_id, started_at, ended_at)
               VALUES ('ses_old', 'ws_old', '2026-01-02 09:00:00.000+00:00', '2026-01-02 11:00:00.000+00:00');",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let session = store.session("ses_old").unwrap();
    assert_eq!(session.status, SessionStatus::Ended);
    assert_eq!(session.title, "Old workshop · session");
    assert_eq!(session.actual_ended_at, Some(utc(2026, 1, 2, 11)));
    assert_eq!(store.integrity_check().unwrap(), "ok");
}
