//! The scheduling mutations (`reference/series.md`): sessions and series applied by the one
//! `apply`, on a clock that stands where each case needs it.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use wp_domain::mutation::{apply, Context, SeriesForm, SessionForm};
use wp_domain::series::{End, Frequency, MonthlyDay, RuleForm};
use wp_domain::{
    Change, DomainError, Mutation, Role, Rows, SeriesRecord, SessionRecord, SessionStatus,
    Visibility, WorkshopRecord, WorkshopStatus,
};

const WS: &str = "ws_schedule0000000001";
const SER: &str = "ser_series000000000001";

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn workshop() -> WorkshopRecord {
    WorkshopRecord {
        id: WS.into(),
        owner_id: "usr_owner".into(),
        title: "PawPal".into(),
        original_idea: String::new(),
        status: WorkshopStatus::Active,
        visibility: Visibility::Private,
        created_at: utc(2025, 1, 1, 0, 0),
        updated_at: utc(2025, 1, 1, 0, 0),
        deleted_at: None,
    }
}

fn ctx(now: DateTime<Utc>, role: Role) -> Context {
    Context {
        now,
        actor: "usr_owner".into(),
        role: Some(role),
    }
}

/// The rows a series mutation reads, as a store would load them.
struct Db {
    series: Vec<SeriesRecord>,
    sessions: Vec<SessionRecord>,
}

impl Db {
    fn new() -> Db {
        Db {
            series: vec![],
            sessions: vec![],
        }
    }

    fn rows(&self, mutation: &Mutation) -> Rows {
        let mut rows = Rows {
            workshop: Some(workshop()),
            ..Rows::default()
        };
        if let Some(id) = mutation.series_id() {
            rows.series = self.series.iter().find(|s| s.id == id).cloned();
            rows.sessions = self
                .sessions
                .iter()
                .filter(|s| s.series_id.as_deref() == Some(id))
                .cloned()
                .collect();
        }
        if let Some(id) = mutation.session_id() {
            rows.sessions = self
                .sessions
                .iter()
                .filter(|s| s.id == id)
                .cloned()
                .collect();
        }
        rows
    }

    fn run(&mut self, mutation: Mutation, now: DateTime<Utc>) -> Result<Vec<Change>, DomainError> {
        let changes = apply(&self.rows(&mutation), &mutation, &ctx(now, Role::Editor))?;
        for change in &changes {
            match change {
                Change::Series(s) => {
                    self.series.retain(|x| x.id != s.id);
                    self.series.push(s.clone());
                }
                Change::Session(s) => {
                    self.sessions.retain(|x| x.id != s.id);
                    self.sessions.push(s.clone());
                }
                other => panic!("unexpected change {other:?}"),
            }
        }
        self.sessions.sort_by_key(|s| s.scheduled_at);
        Ok(changes)
    }

    fn of(&self, series_id: &str) -> Vec<&SessionRecord> {
        self.sessions
            .iter()
            .filter(|s| s.series_id.as_deref() == Some(series_id))
            .collect()
    }
}

fn weekly(days: Vec<Weekday>, end: End) -> RuleForm {
    RuleForm {
        frequency: Frequency::Weekly,
        days,
        monthly: None,
        end,
    }
}

fn form(rule: RuleForm, start: NaiveDate, time: &str, zone: &str) -> SeriesForm {
    SeriesForm {
        title: "Design sprint".into(),
        description: "Weekly sprint review".into(),
        rule,
        start_date: start,
        time_of_day: NaiveTime::parse_from_str(time, "%H:%M").unwrap(),
        timezone: zone.into(),
        duration_minutes: 90,
        is_private: true,
    }
}

fn create(series: SeriesForm, at: DateTime<Utc>) -> Mutation {
    Mutation::CreateSeries {
        series_id: SER.into(),
        workshop_id: WS.into(),
        series,
        at,
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn field_of(e: DomainError) -> String {
    match e {
        DomainError::InvalidArgument { field, message } => format!("{field}: {message}"),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn a_weekly_series_makes_90_days_of_private_occurrences_at_the_wall_clock_time() {
    let now = utc(2025, 2, 20, 12, 0);
    let mut db = Db::new();
    // Tuesdays 19:00 in New York, across the 9 March change (UTC-5 to UTC-4).
    db.run(
        create(
            form(
                weekly(vec![Weekday::Tue], End::Never),
                date(2025, 2, 25),
                "19:00",
                "America/New_York",
            ),
            now,
        ),
        now,
    )
    .unwrap();
    let series = &db.series[0];
    assert_eq!(series.rrule, "FREQ=WEEKLY;BYDAY=TU;WKST=MO");
    let occ = db.of(SER);
    // 25 Feb to 20 May: 13 Tuesdays within 90 days of 20 Feb.
    assert_eq!(occ.len(), 13);
    assert_eq!(occ[0].scheduled_at, utc(2025, 2, 26, 0, 0)); // 19:00 EST
    assert_eq!(occ[2].scheduled_at, utc(2025, 3, 11, 23, 0)); // 19:00 EDT
    assert!(occ
        .iter()
        .all(|s| s.is_private && s.status == SessionStatus::Scheduled));
    assert!(occ
        .iter()
        .all(|s| s.scheduled_at <= now + Duration::days(90)));
    assert_eq!(
        occ[0].id,
        wp_domain::series::rolling::occurrence_id(SER, date(2025, 2, 25))
    );
    // Made again (a retry): nothing changes.
    let again = db
        .run(
            create(
                form(
                    weekly(vec![Weekday::Tue], End::Never),
                    date(2025, 2, 25),
                    "19:00",
                    "America/New_York",
                ),
                now,
            ),
            now,
        )
        .unwrap();
    assert!(again.is_empty());
}

#[test]
fn a_series_must_start_15_minutes_from_now_and_count_at_most_52() {
    let now = utc(2025, 2, 25, 23, 50); // 18:50 in New York
    let mut db = Db::new();
    let soon = create(
        form(
            weekly(vec![], End::Never),
            date(2025, 2, 25),
            "19:00",
            "America/New_York",
        ),
        now,
    );
    assert_eq!(
        field_of(db.run(soon, now).unwrap_err()),
        "startDate: the first session must start at least 15 minutes from now"
    );
    let many = create(
        form(
            weekly(vec![], End::Count { count: 53 }),
            date(2025, 3, 4),
            "19:00",
            "America/New_York",
        ),
        now,
    );
    assert_eq!(
        field_of(db.run(many, now).unwrap_err()),
        "count: Maximum 52 instances allowed"
    );
    let mut bad = form(
        weekly(vec![], End::Never),
        date(2025, 3, 4),
        "19:00",
        "Mars/Olympus",
    );
    assert!(field_of(db.run(create(bad.clone(), now), now).unwrap_err()).starts_with("timezone:"));
    bad.timezone = "UTC".into();
    bad.title = "ab".into();
    assert_eq!(
        field_of(db.run(create(bad.clone(), now), now).unwrap_err()),
        "title: title must be 3 to 200 characters (got 2)"
    );
    bad.title = "Sprint".into();
    bad.duration_minutes = 600;
    assert_eq!(
        field_of(db.run(create(bad, now), now).unwrap_err()),
        "durationMinutes: a session lasts 15 to 480 minutes (got 600)"
    );
    assert!(db.series.is_empty() && db.sessions.is_empty());
}

#[test]
fn monthly_on_the_31st_skips_short_months_and_never_today() {
    let now = utc(2025, 1, 20, 9, 0);
    let mut db = Db::new();
    let rule = RuleForm {
        frequency: Frequency::Monthly,
        days: vec![],
        monthly: Some(MonthlyDay::Day { day: 31 }),
        end: End::Count { count: 6 },
    };
    db.run(
        create(form(rule, date(2025, 1, 31), "10:00", "Europe/London"), now),
        now,
    )
    .unwrap();
    let dates: Vec<NaiveDate> = db.of(SER).iter().filter_map(|s| s.local_date).collect();
    // 90 days from 20 January: 31 January and 31 March (February has no 31st).
    assert_eq!(dates, vec![date(2025, 1, 31), date(2025, 3, 31)]);
    // Rolled on 10 March (the latest is less than 30 days away): May, then July and August
    // within 90 days of 31 March; COUNT does not restart.
    let roll = |at| Mutation::RollSeries {
        series_id: SER.into(),
        workshop_id: WS.into(),
        at,
    };
    db.run(roll(utc(2025, 3, 10, 0, 0)), utc(2025, 3, 10, 0, 0))
        .unwrap();
    db.run(roll(utc(2025, 6, 20, 0, 0)), utc(2025, 6, 20, 0, 0))
        .unwrap();
    db.run(roll(utc(2025, 9, 20, 0, 0)), utc(2025, 9, 20, 0, 0))
        .unwrap();
    let dates: Vec<NaiveDate> = db.of(SER).iter().filter_map(|s| s.local_date).collect();
    assert_eq!(
        dates,
        vec![
            date(2025, 1, 31),
            date(2025, 3, 31),
            date(2025, 5, 31),
            date(2025, 7, 31),
            date(2025, 8, 31),
            date(2025, 10, 31)
        ]
    );
}

#[test]
fn cancelling_one_keeps_the_row_and_this_and_following_cuts_the_rule() {
    let now = utc(2025, 2, 20, 12, 0);
    let mut db = Db::new();
    db.run(
        create(
            form(
                weekly(vec![Weekday::Tue], End::Count { count: 10 }),
                date(2025, 2, 25),
                "19:00",
                "America/New_York",
            ),
            now,
        ),
        now,
    )
    .unwrap();
    let ids: Vec<String> = db.of(SER).iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids.len(), 10);
    let cancel = Mutation::CancelSession {
        session_id: ids[1].clone(),
        workshop_id: WS.into(),
        at: now,
    };
    db.run(cancel.clone(), now).unwrap();
    assert_eq!(db.of(SER)[1].status, SessionStatus::Cancelled);
    assert_eq!(db.of(SER).len(), 10, "a cancelled occurrence is kept");
    // Undone: scheduled again at its time; restoring a scheduled one changes nothing.
    let restore = Mutation::RestoreSession {
        session_id: ids[1].clone(),
        workshop_id: WS.into(),
        at: now,
    };
    let before = db.of(SER)[1].scheduled_at;
    assert_eq!(db.run(restore.clone(), now).unwrap().len(), 1);
    assert_eq!(db.of(SER)[1].status, SessionStatus::Scheduled);
    assert_eq!(db.of(SER)[1].scheduled_at, before);
    assert!(
        db.run(restore, now).unwrap().is_empty(),
        "not cancelled: nothing to undo"
    );
    db.run(cancel, now).unwrap();

    // This one (the 5th, 25 March 19:00 EDT = 23:00Z) and all that follow.
    db.run(
        Mutation::CancelSeries {
            series_id: SER.into(),
            workshop_id: WS.into(),
            from_session_id: Some(ids[4].clone()),
            at: now,
        },
        now,
    )
    .unwrap();
    let series = &db.series[0];
    assert!(series.is_active);
    assert_eq!(
        series.rrule, "FREQ=WEEKLY;BYDAY=TU;UNTIL=20250325T225959Z;WKST=MO",
        "UNTIL is the occurrence's instant minus one second, in place of COUNT"
    );
    let statuses: Vec<SessionStatus> = db.of(SER).iter().map(|s| s.status).collect();
    use SessionStatus::{Cancelled as C, Scheduled as S};
    assert_eq!(statuses, vec![S, C, S, S, C, C, C, C, C, C]);
    // Rolling later makes nothing past the cut.
    let later = utc(2025, 3, 1, 0, 0);
    let made = db
        .run(
            Mutation::RollSeries {
                series_id: SER.into(),
                workshop_id: WS.into(),
                at: later,
            },
            later,
        )
        .unwrap();
    assert!(made.is_empty());

    // From the first occurrence: the series becomes inactive instead.
    db.run(
        Mutation::CancelSeries {
            series_id: SER.into(),
            workshop_id: WS.into(),
            from_session_id: Some(ids[0].clone()),
            at: now,
        },
        now,
    )
    .unwrap();
    assert!(!db.series[0].is_active);
    assert!(db
        .of(SER)
        .iter()
        .all(|s| s.status == SessionStatus::Cancelled));
}

#[test]
fn revising_a_series_splits_it_and_keeps_the_past() {
    let start = utc(2025, 2, 20, 12, 0);
    let mut db = Db::new();
    db.run(
        create(
            form(
                weekly(vec![Weekday::Tue], End::Never),
                date(2025, 2, 25),
                "19:00",
                "America/New_York",
            ),
            start,
        ),
        start,
    )
    .unwrap();
    // Three weeks later, the sprint moves to Thursdays at 18:00.
    let now = utc(2025, 3, 13, 12, 0);
    let new_id = "ser_series000000000002";
    db.run(
        Mutation::ReviseSeries {
            series_id: SER.into(),
            new_series_id: new_id.into(),
            workshop_id: WS.into(),
            series: form(
                weekly(vec![Weekday::Thu], End::Never),
                date(2025, 3, 20),
                "18:00",
                "America/New_York",
            ),
            at: now,
        },
        now,
    )
    .unwrap();
    let old = db.series.iter().find(|s| s.id == SER).unwrap();
    // Cut before its first occurrence after now (Tuesday 18 March).
    assert!(
        old.rrule.contains("UNTIL=20250318T225959Z"),
        "{}",
        old.rrule
    );
    let past: Vec<SessionStatus> = db
        .of(SER)
        .iter()
        .filter(|s| s.scheduled_at < now)
        .map(|s| s.status)
        .collect();
    assert_eq!(
        past,
        vec![SessionStatus::Scheduled; 3],
        "the past stays as it was"
    );
    assert!(db
        .of(SER)
        .iter()
        .filter(|s| s.scheduled_at > now)
        .all(|s| s.status == SessionStatus::Cancelled));
    let new = db.of(new_id);
    assert_eq!(new[0].scheduled_at, utc(2025, 3, 20, 22, 0));
    assert_eq!(new[0].local_date, Some(date(2025, 3, 20)));
}

#[test]
fn a_single_session_is_checked_field_by_field() {
    let now = utc(2025, 5, 1, 9, 0);
    let rows = Rows {
        workshop: Some(workshop()),
        ..Rows::default()
    };
    let session = |f: &dyn Fn(&mut SessionForm)| {
        let mut form = SessionForm {
            title: None,
            description: String::new(),
            scheduled_at: now + Duration::days(2),
            duration_minutes: 60,
            is_private: false,
            max_capacity: Some(12),
        };
        f(&mut form);
        Mutation::CreateSession {
            session_id: "ses_single000000000001".into(),
            workshop_id: WS.into(),
            session: form,
            at: now,
        }
    };
    let ok = apply(&rows, &session(&|_| {}), &ctx(now, Role::Editor)).unwrap();
    let Change::Session(made) = &ok[0] else {
        panic!()
    };
    assert_eq!(made.title, "PawPal · 3 May 2025");
    type Edit<'a> = Box<dyn Fn(&mut SessionForm) + 'a>;
    let cases: Vec<(Edit<'_>, &str)> = vec![
        (
            Box::new(|f| f.scheduled_at = now + Duration::minutes(10)),
            "scheduledAt: a session must start at least 15 minutes from now",
        ),
        (
            Box::new(|f| f.duration_minutes = 10),
            "durationMinutes: a session lasts 15 to 480 minutes (got 10)",
        ),
        (
            Box::new(|f| f.max_capacity = Some(1)),
            "maxCapacity: capacity must be 2 to 500 people, or none (got 1)",
        ),
        (
            Box::new(|f| f.description = "x".repeat(5001)),
            "description: description must be at most 5,000 characters (got 5001)",
        ),
        (
            Box::new(|f| f.title = Some(" a ".into())),
            "title: title must be 3 to 200 characters (got 1)",
        ),
    ];
    for (change, expected) in cases {
        let err = apply(&rows, &session(&*change), &ctx(now, Role::Editor)).unwrap_err();
        assert_eq!(field_of(err), expected);
    }
    // A viewer cannot schedule.
    assert!(matches!(
        apply(&rows, &session(&|_| {}), &ctx(now, Role::Viewer)),
        Err(DomainError::Forbidden { .. })
    ));
}
