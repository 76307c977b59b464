//! The series the calendar files are checked on: DST gaps and folds in New York, Lord Howe
//! (30 minutes), Santiago and Havana (at midnight) and Sydney; no DST (Kolkata); monthly
//! day 31 with COUNT; a series cut by UNTIL; a start the rule does not match; no end.
//! Each with its rows as the rolling job made them, some cancelled, some edited, some
//! never made.

use chrono::{DateTime, Utc, Weekday};
use wp_domain::series::{parse_zone, resolve, End, Frequency, MonthlyDay, RuleForm};
use wp_domain::{SeriesRecord, SessionRecord, SessionStatus};

use crate::common::*;

/// A series, its rows, the "now" of the export and the span to expand.
pub struct Case {
    pub name: &'static str,
    pub series: SeriesRecord,
    pub rows: Vec<SessionRecord>,
    pub now: DateTime<Utc>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// A case whose rows are every occurrence in `[from, to]` (the past ones too: the series
/// was made before them).
fn simple(name: &'static str, series: SeriesRecord, from: &str, to: &str) -> Case {
    let (from, to) = (utc(from), utc(to));
    let rows = rows(&series, &occurrences(&series, from, to));
    Case {
        name,
        series,
        rows,
        now: from,
        from,
        to,
    }
}

pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();

    // New York, Sundays at 02:30 from 16 February to 14 December 2025: 9 March 02:30 does
    // not exist (→ 07:30Z). The first two instants were past when the series was rolled
    // (no rows: EXDATE), 13 April is cancelled (EXDATE), 15 June moved to 19:00 with
    // another length and title (RECURRENCE-ID), and the rows end on 26 October: 2 November
    // (the fall-back day) to 14 December come from the rule alone.
    let mut s = series(
        "ser_newyork",
        weekly(
            &[Weekday::Sun],
            End::Until {
                date: d(2025, 12, 14),
            },
        ),
        d(2025, 2, 16),
        t(2, 30),
        "America/New_York",
        90,
        "Sprint; review, \"Q3\"\nline2",
    );
    // Single backslashes only, and none before an `n`: icalendar 6.3.2 unescapes with
    // chained replacements, so it reads a correctly escaped `\\n` as a line break and
    // `\\\\` as one backslash (format.rs checks what the file says).
    s.description = "Bring \\ the notes,\r\nand; C:\\Users\\me, \\server".into();
    let (from, to) = (utc("2025-02-01T00:00:00Z"), utc("2026-01-01T00:00:00Z"));
    let rolled = occurrences(&s, utc("2025-02-25T00:00:00Z"), utc("2025-10-27T00:00:00Z"));
    let mut r = rows(&s, &rolled);
    row(&mut r, d(2025, 4, 13)).status = SessionStatus::Cancelled;
    let moved = row(&mut r, d(2025, 6, 15));
    moved.scheduled_at = utc("2025-06-15T23:00:00Z");
    moved.duration_minutes = 60;
    moved.title = "Sprint review, moved".into();
    assert!(r.iter().any(|x| x.local_date == Some(d(2025, 3, 9))));
    cases.push(Case {
        name: "New York weekly across both changes",
        series: s,
        rows: r,
        now: utc("2025-02-24T12:00:00Z"),
        from,
        to,
    });

    // New York daily at 01:30 over the fall-back night: 2 November 01:30 happens twice (the
    // first, 05:30Z); that occurrence is edited by title only (its RECURRENCE-ID is in the
    // fold), the next one cancelled.
    let s = series(
        "ser_nyfold",
        daily(End::Count { count: 5 }),
        d(2025, 10, 31),
        t(1, 30),
        "America/New_York",
        45,
        "Fold night",
    );
    let mut case = simple(
        "New York fold",
        s,
        "2025-10-01T00:00:00Z",
        "2025-12-01T00:00:00Z",
    );
    row(&mut case.rows, d(2025, 11, 2)).title = "Fold night (edited)".into();
    row(&mut case.rows, d(2025, 11, 3)).status = SessionStatus::Cancelled;
    cases.push(case);

    // Lord Howe: 5 October 2025 02:00 → 02:30 (a 30-minute gap; 02:15 → 15:45Z the day
    // before), and 5 April 2026 02:00 → 01:30 (01:45 twice).
    let s = series(
        "ser_lordhowe",
        weekly(&[Weekday::Sun], End::Count { count: 4 }),
        d(2025, 9, 21),
        t(2, 15),
        "Australia/Lord_Howe",
        60,
        "Lord Howe gap",
    );
    cases.push(simple(
        "Lord Howe gap",
        s,
        "2025-09-01T00:00:00Z",
        "2025-11-01T00:00:00Z",
    ));
    let s = series(
        "ser_lordhowefold",
        daily(End::Count { count: 3 }),
        d(2026, 4, 4),
        t(1, 45),
        "Australia/Lord_Howe",
        60,
        "Lord Howe fold",
    );
    let mut case = simple(
        "Lord Howe fold",
        s,
        "2026-03-01T00:00:00Z",
        "2026-05-01T00:00:00Z",
    );
    row(&mut case.rows, d(2026, 4, 4)).status = SessionStatus::Cancelled;
    cases.push(case);

    // Santiago changes at midnight: 7 September 2025 00:00 → 01:00 (00:30 → 04:30Z), and
    // 6 April 2025 00:00 → 5 April 23:00 (Saturday 23:30 twice).
    let s = series(
        "ser_santiago",
        daily(End::Count { count: 3 }),
        d(2025, 9, 6),
        t(0, 30),
        "America/Santiago",
        30,
        "Santiago gap",
    );
    cases.push(simple(
        "Santiago gap",
        s,
        "2025-09-01T00:00:00Z",
        "2025-10-01T00:00:00Z",
    ));
    let s = series(
        "ser_santiagofold",
        weekly(&[Weekday::Sat], End::Count { count: 4 }),
        d(2025, 3, 22),
        t(23, 30),
        "America/Santiago",
        30,
        "Santiago fold",
    );
    cases.push(simple(
        "Santiago fold",
        s,
        "2025-03-01T00:00:00Z",
        "2025-05-01T00:00:00Z",
    ));

    // Havana at midnight too, every day for eight months (both changes).
    let s = series(
        "ser_havana",
        daily(End::Until {
            date: d(2025, 11, 4),
        }),
        d(2025, 3, 7),
        t(0, 30),
        "America/Havana",
        30,
        "Havana",
    );
    cases.push(simple(
        "Havana daily",
        s,
        "2025-03-01T00:00:00Z",
        "2025-12-01T00:00:00Z",
    ));

    // Monthly on day 31, COUNT=6, from 31 January: January, March, May, July, August,
    // October (months without a 31st are skipped, and still 6 in all).
    let s = series(
        "ser_monthly31",
        RuleForm {
            frequency: Frequency::Monthly,
            days: vec![],
            monthly: Some(MonthlyDay::Day { day: 31 }),
            end: End::Count { count: 6 },
        },
        d(2025, 1, 31),
        t(9, 0),
        "Europe/London",
        60,
        "Monthly 31",
    );
    let case = simple(
        "monthly day 31",
        s,
        "2025-01-01T00:00:00Z",
        "2026-06-01T00:00:00Z",
    );
    let months: Vec<String> = case
        .rows
        .iter()
        .map(|r| r.local_date.unwrap().format("%Y-%m").to_string())
        .collect();
    assert_eq!(
        months,
        ["2025-01", "2025-03", "2025-05", "2025-07", "2025-08", "2025-10"]
    );
    cases.push(case);

    // Cut at 18 March ("this one and all that follow"): UNTIL is that instant minus one
    // second; the later rows stay, cancelled, and are not the rule's.
    let ny = parse_zone("America/New_York").unwrap();
    let cut_at = resolve(ny, d(2025, 3, 18).and_time(t(19, 0)));
    let open = series(
        "ser_cut",
        weekly(&[Weekday::Tue], End::Never),
        d(2025, 1, 7),
        t(19, 0),
        "America/New_York",
        60,
        "Cut series",
    );
    let mut r = rows(
        &open,
        &occurrences(
            &open,
            utc("2025-01-01T00:00:00Z"),
            utc("2025-04-30T00:00:00Z"),
        ),
    );
    let s = series(
        "ser_cut",
        weekly(
            &[Weekday::Tue],
            End::Cut {
                date: d(2025, 3, 18),
                at: cut_at,
            },
        ),
        d(2025, 1, 7),
        t(19, 0),
        "America/New_York",
        60,
        "Cut series",
    );
    assert!(s.rrule.contains("UNTIL=20250318T225959Z"), "{}", s.rrule);
    for x in r
        .iter_mut()
        .filter(|x| x.local_date.unwrap() >= d(2025, 3, 18))
    {
        x.status = SessionStatus::Cancelled;
    }
    cases.push(Case {
        name: "cut by UNTIL",
        series: s,
        rows: r,
        now: utc("2025-01-01T00:00:00Z"),
        from: utc("2025-01-01T00:00:00Z"),
        to: utc("2025-06-01T00:00:00Z"),
    });

    // A start the rule does not match (Saturday, rule Tuesday and Thursday every two
    // weeks): DTSTART moves to the first match, 14 January, and COUNT=5 still holds.
    let s = series(
        "ser_moved",
        RuleForm {
            frequency: Frequency::Biweekly,
            days: vec![Weekday::Tue, Weekday::Thu],
            monthly: None,
            end: End::Count { count: 5 },
        },
        d(2025, 1, 4),
        t(18, 0),
        "Europe/Berlin",
        120,
        "Moved start",
    );
    cases.push(simple(
        "start not on the rule",
        s,
        "2025-01-01T00:00:00Z",
        "2025-04-01T00:00:00Z",
    ));

    // No end, no DST (Kolkata), rows for 90 days: the rest comes from the rule.
    let s = series(
        "ser_kolkata",
        weekly(&[Weekday::Mon, Weekday::Wed, Weekday::Fri], End::Never),
        d(2025, 1, 6),
        t(9, 0),
        "Asia/Kolkata",
        60,
        "Kolkata",
    );
    let r = rows(
        &s,
        &occurrences(&s, utc("2025-01-01T00:00:00Z"), utc("2025-04-01T00:00:00Z")),
    );
    cases.push(Case {
        name: "Kolkata without end",
        series: s,
        rows: r,
        now: utc("2025-01-01T00:00:00Z"),
        from: utc("2025-01-01T00:00:00Z"),
        to: utc("2026-06-30T00:00:00Z"),
    });

    // No end in Sydney, Sundays at 02:30: 6 April 2025 (03:00 → 02:00, 02:30 twice) and
    // 5 October 2025 (02:00 → 03:00, 02:30 does not exist), over 21 months.
    let s = series(
        "ser_sydney",
        weekly(&[Weekday::Sun], End::Never),
        d(2025, 3, 2),
        t(2, 30),
        "Australia/Sydney",
        60,
        "Sydney",
    );
    let r = rows(
        &s,
        &occurrences(&s, utc("2025-03-01T00:00:00Z"), utc("2025-06-01T00:00:00Z")),
    );
    cases.push(Case {
        name: "Sydney without end",
        series: s,
        rows: r,
        now: utc("2025-03-01T00:00:00Z"),
        from: utc("2025-03-01T00:00:00Z"),
        to: utc("2026-12-31T00:00:00Z"),
    });
    cases
}
