//! Sessions and series through sync, on the real server and PostgreSQL: a series made
//! offline on one desktop reaches the other with the same ids; a cancel on one reaches the
//! other; the server's rolling job and the app's own roll make the same rows; a viewer's
//! scheduling is refused.

use chrono::{Duration, NaiveTime, Utc, Weekday};
use wp_domain::mutation::{SeriesForm, SessionForm};
use wp_domain::series::{End, Frequency, RuleForm};
use wp_domain::{Role, SessionStatus};

mod common;
use common::{server, Desktop};

const PAWPAL: &str = include_str!("../../../tests/fixtures/pawpal.workshop.json");

fn weekly(start_in_days: i64) -> SeriesForm {
    SeriesForm {
        title: "Design sprint".into(),
        description: "Weekly review".into(),
        rule: RuleForm {
            frequency: Frequency::Weekly,
            days: vec![Weekday::Mon, Weekday::Thu],
            monthly: None,
            end: End::Never,
        },
        start_date: (Utc::now() + Duration::days(start_in_days)).date_naive(),
        time_of_day: NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
        timezone: "Australia/Lord_Howe".into(),
        duration_minutes: 60,
        is_private: true,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_series_made_offline_reaches_the_other_desktop_and_cancels_travel_back() {
    let s = server().await;
    let (_, token) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut a = Desktop::new(&s, &token).await;
    let mut b = Desktop::new(&s, &token).await;
    let ws = a.store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    let series = a.store.create_series(&ws, weekly(2)).unwrap();
    let single = a
        .store
        .create_session(
            &ws,
            SessionForm {
                title: Some("Kick-off".into()),
                description: String::new(),
                scheduled_at: Utc::now() + Duration::days(1),
                duration_minutes: 45,
                is_private: false,
                max_capacity: Some(8),
            },
        )
        .unwrap();
    let report = a.sync().await;
    assert_eq!((report.rejected, report.pending), (0, 0), "{report:?}");
    b.sync().await;

    let on_a = a.store.schedule(&ws).unwrap();
    let on_b = b.store.schedule(&ws).unwrap();
    assert_eq!(on_a.sessions, on_b.sessions, "same ids, times and fields");
    assert_eq!(on_a.series[0].series, on_b.series[0].series);
    assert!(on_b.sessions.iter().any(|x| x.id == single.id));
    let occurrences: Vec<_> = on_b
        .sessions
        .iter()
        .filter(|x| x.series_id.as_deref() == Some(series.id.as_str()))
        .collect();
    assert!(occurrences.len() >= 24, "{}", occurrences.len());
    assert!(occurrences.iter().all(|x| x.is_private));

    // B cancels one and all from the fifth on; A sees both after its next sync.
    b.store.cancel_session(&ws, &occurrences[1].id).unwrap();
    b.store
        .cancel_series(&ws, &series.id, Some(&occurrences[4].id))
        .unwrap();
    let report = b.sync().await;
    assert_eq!((report.rejected, report.pending), (0, 0), "{report:?}");
    a.sync().await;
    let after = a.store.schedule(&ws).unwrap();
    let statuses: Vec<SessionStatus> = after
        .sessions
        .iter()
        .filter(|x| x.series_id.as_deref() == Some(series.id.as_str()))
        .map(|x| x.status)
        .take(6)
        .collect();
    use SessionStatus::{Cancelled as C, Scheduled as S};
    assert_eq!(statuses, vec![S, C, S, S, C, C]);
    assert!(after.series[0].series.rrule.contains("UNTIL="));
    assert_eq!(after.series[0].series, b.store.series(&series.id).unwrap());

    // A undoes B's single cancel (restoreSession); B sees it scheduled again.
    a.store.restore_session(&ws, &occurrences[1].id).unwrap();
    let report = a.sync().await;
    assert_eq!((report.applied, report.rejected), (1, 0), "{report:?}");
    b.sync().await;
    assert_eq!(
        b.store.session(&occurrences[1].id).unwrap().status,
        SessionStatus::Scheduled
    );

    // The server's job and the app's roll, 70 days on, agree row for row.
    let later = Utc::now() + Duration::days(70);
    let fresh = a.store.create_series(&ws, weekly(3)).unwrap();
    a.sync().await;
    let made_on_server = wp_server::rolling::run_once(&s.pool, later).await.unwrap();
    a.store.set_clock(Some(later));
    let made_here = a.store.roll_series().unwrap();
    assert!(made_on_server > 0);
    assert_eq!(
        made_here, made_on_server,
        "the same rows, made on both sides"
    );
    a.store.set_clock(None);
    let report = a.sync().await;
    assert_eq!((report.rejected, report.pending), (0, 0), "{report:?}");
    let server_ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM sessions WHERE series_id = $1 ORDER BY local_date")
            .bind(&fresh.id)
            .fetch_all(&s.pool)
            .await
            .unwrap();
    let (_, local) = a.store.series_with_sessions(&fresh.id).unwrap();
    let local_ids: Vec<String> = local.into_iter().map(|x| x.id).collect();
    assert_eq!(server_ids, local_ids);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_cannot_schedule_and_an_editor_can() {
    let s = server().await;
    let (_, ada) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let (bob_id, bob) = wp_server::auth::add_user(&s.pool, "Bob").await.unwrap();
    let mut a = Desktop::new(&s, &ada).await;
    let ws = a.store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    a.store.share_workshop(&ws, &bob_id, Role::Viewer).unwrap();
    a.sync().await;
    let mut b = Desktop::new(&s, &bob).await;
    b.sync().await;
    assert!(!b.store.schedule(&ws).unwrap().can_schedule);
    let refused = b.store.create_series(&ws, weekly(2)).unwrap_err();
    assert!(refused.to_string().contains("editor"), "{refused}");

    a.store.share_workshop(&ws, &bob_id, Role::Editor).unwrap();
    a.sync().await;
    b.sync().await;
    assert!(b.store.schedule(&ws).unwrap().can_schedule);
    let made = b.store.create_series(&ws, weekly(2)).unwrap();
    let report = b.sync().await;
    assert_eq!((report.rejected, report.pending), (0, 0), "{report:?}");
    a.sync().await;
    assert_eq!(a.store.series(&made.id).unwrap(), made);
}

/// A scheduling change the server refuses (its workshop went to the trash on another
/// desktop meanwhile) does not stay here: the refusal is listed, and the next pull brings
/// the server's session back in place of the local cancel, and drops a session the server
/// never took. Found by the fault simulation once it scheduled; on the code before, the
/// cancelled session stayed cancelled here only and the refused one stayed here.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_scheduling_change_gives_way_to_the_servers_schedule() {
    let s = server().await;
    let (_, ada) = wp_server::auth::add_user(&s.pool, "Ada").await.unwrap();
    let mut a = Desktop::new(&s, &ada).await;
    let ws = a.store.import_workshop(PAWPAL).unwrap().workshop.record.id;
    let form = |title: &str| SessionForm {
        title: Some(title.into()),
        description: String::new(),
        scheduled_at: Utc::now() + Duration::days(3),
        duration_minutes: 60,
        is_private: false,
        max_capacity: None,
    };
    let kept = a.store.create_session(&ws, form("Kick-off")).unwrap();
    a.sync().await;
    let mut b = Desktop::new(&s, &ada).await;
    b.sync().await;
    b.store.delete_workshop(&ws).unwrap();
    b.sync().await;

    // A has not pulled the trash yet: it cancels one session and schedules another.
    a.store.cancel_session(&ws, &kept.id).unwrap();
    let never = a.store.create_session(&ws, form("Dry run")).unwrap();
    let report = a.sync().await;
    assert_eq!(report.rejected, 2, "{report:?}");
    a.sync().await;

    assert_eq!(
        a.store.session(&kept.id).unwrap().status,
        SessionStatus::Scheduled,
        "the server's session is back"
    );
    assert!(a.store.session(&never.id).is_err(), "the refused one goes");
    assert_eq!(a.store.rejections().unwrap().len(), 2);
}
