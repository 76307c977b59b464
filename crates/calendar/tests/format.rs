//! The file's form, without a reader: content lines of at most 75 octets ended by CRLF,
//! the properties a series and a session carry, TEXT escaping, the errors, file names.

mod common;

use chrono::Weekday;
use common::*;
use wp_calendar::{file_name, series_calendar, session_calendar, CalendarError};
use wp_domain::series::End;
use wp_domain::SessionStatus;

/// Every line ends with CRLF, has no other CR or LF, and is at most 75 octets.
fn assert_lines(ics: &str) {
    assert!(ics.ends_with("\r\n"));
    for line in ics.split_terminator("\r\n") {
        assert!(
            !line.contains(['\r', '\n']),
            "a bare line break in {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
}

/// The file unfolded (RFC 5545 §3.1), as lines.
fn unfolded(ics: &str) -> Vec<String> {
    ics.replace("\r\n ", "")
        .split_terminator("\r\n")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_line_is_at_most_75_octets_and_ends_with_crlf() {
    let long = format!(
        "Ünïcödé sprint — {} {}",
        "très long titre, avec; des virgules".repeat(3),
        "🎯".repeat(10)
    );
    let mut s = series(
        "ser_lines",
        weekly(
            &[Weekday::Mon, Weekday::Thu],
            End::Until {
                date: d(2026, 6, 30),
            },
        ),
        d(2025, 1, 6),
        t(2, 30),
        "America/Argentina/ComodRivadavia",
        480,
        &long,
    );
    s.description = format!("{}\r\n{}", "Ligne é ".repeat(40), "\\;,".repeat(30));
    let mut r = rows(
        &s,
        &occurrences(&s, utc("2025-01-01T00:00:00Z"), utc("2025-09-01T00:00:00Z")),
    );
    for x in r.iter_mut().step_by(3) {
        x.status = SessionStatus::Cancelled;
    }
    row(&mut r, d(2025, 2, 6)).title = format!("{long} (edited)");
    let ics = series_calendar(&s, &r, utc("2025-01-01T00:00:00Z")).unwrap();
    assert_lines(&ics);
    assert!(
        ics.lines().any(|l| l.starts_with(' ')),
        "nothing was folded:\n{ics}"
    );
    let mut one = session(&long, utc("2025-03-01T10:00:00Z"), 30);
    one.description = s.description.clone();
    assert_lines(&session_calendar(&one, utc("2025-01-01T00:00:00Z")).unwrap());
}

#[test]
fn a_series_is_one_event_with_rrule_duration_exdate_and_a_vtimezone() {
    // Start on a Saturday, rule on Tuesdays: DTSTART is the first Tuesday.
    let mut s = series(
        "ser_form",
        weekly(&[Weekday::Tue], End::Count { count: 6 }),
        d(2025, 3, 1),
        t(19, 0),
        "America/New_York",
        90,
        "Weekly sprint",
    );
    s.description = "Line one\r\nline, two; \\ three".into();
    let mut r = rows(
        &s,
        &occurrences(&s, utc("2025-03-01T00:00:00Z"), utc("2025-05-01T00:00:00Z")),
    );
    row(&mut r, d(2025, 3, 18)).status = SessionStatus::Cancelled;
    row(&mut r, d(2025, 3, 25)).scheduled_at = utc("2025-03-25T22:00:00Z");
    let ics = series_calendar(&s, &r, utc("2025-02-20T10:11:12Z")).unwrap();
    let lines = unfolded(&ics);
    let has = |l: &str| lines.iter().any(|x| x == l);
    assert_eq!(lines[0], "BEGIN:VCALENDAR");
    assert!(has("VERSION:2.0"));
    assert!(has("UID:ser_form@workshoppilot"));
    assert!(
        has("DTSTART;TZID=America/New_York:20250304T190000"),
        "{ics}"
    );
    assert!(has("RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=6;WKST=MO"));
    assert!(has("DURATION:PT1H30M"));
    assert!(has("DTSTAMP:20250220T101112Z"));
    assert!(has("SUMMARY:Weekly sprint"));
    assert!(
        has("DESCRIPTION:Line one\\nline\\, two\\; \\\\ three"),
        "{ics}"
    );
    assert!(has("EXDATE;TZID=America/New_York:20250318T190000"));
    assert!(has("RECURRENCE-ID;TZID=America/New_York:20250325T190000"));
    assert!(has("DTSTART:20250325T220000Z"));
    assert!(!ics.contains("DTEND"));
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
    assert_eq!(ics.matches("UID:ser_form@workshoppilot").count(), 2);
    assert_eq!(ics.matches("BEGIN:VTIMEZONE").count(), 1);
    assert!(ics.find("BEGIN:VTIMEZONE") < ics.find("BEGIN:VEVENT"));
    assert!(has("TZID:America/New_York"));
    // The observance in effect at DTSTART, then the two changes of 2025 the series spans.
    assert!(has("DTSTART:20241103T020000"), "{ics}");
    assert!(has("DTSTART:20250309T020000"));
    assert!(!ics.contains("STATUS:CANCELLED"));

    s.is_active = false;
    let ics = series_calendar(&s, &r, utc("2025-02-20T10:11:12Z")).unwrap();
    assert_eq!(ics.matches("STATUS:CANCELLED").count(), 1, "{ics}");
}

#[test]
fn a_session_is_one_plain_event_in_utc() {
    let mut one = session("Kick-off", utc("2025-03-09T07:30:00Z"), 45);
    let ics = session_calendar(&one, utc("2025-03-01T00:00:00Z")).unwrap();
    let lines = unfolded(&ics);
    let has = |l: &str| lines.iter().any(|x| x == l);
    assert!(has("UID:ses_single0000000000000@workshoppilot"));
    assert!(has("DTSTART:20250309T073000Z"));
    assert!(has("DURATION:PT45M"));
    assert!(!ics.contains("VTIMEZONE") && !ics.contains("RRULE") && !ics.contains("STATUS"));
    one.status = SessionStatus::Cancelled;
    let ics = session_calendar(&one, utc("2025-03-01T00:00:00Z")).unwrap();
    assert!(unfolded(&ics).iter().any(|l| l == "STATUS:CANCELLED"));
}

#[test]
fn text_is_escaped() {
    let one = session(
        "Sprint; review, \"Q3\"\nline2\\end",
        utc("2025-03-09T07:30:00Z"),
        45,
    );
    let ics = session_calendar(&one, utc("2025-03-01T00:00:00Z")).unwrap();
    assert!(
        unfolded(&ics)
            .iter()
            .any(|l| l == "SUMMARY:Sprint\\; review\\, \"Q3\"\\nline2\\\\end"),
        "{ics}"
    );
    // A backslash before an `n` is a backslash and an `n`, not a line break; two
    // backslashes are two.
    let one = session("C:\\new\\notes \\\\server", utc("2025-03-09T07:30:00Z"), 45);
    let ics = session_calendar(&one, utc("2025-03-01T00:00:00Z")).unwrap();
    assert!(
        unfolded(&ics)
            .iter()
            .any(|l| l == "SUMMARY:C:\\\\new\\\\notes \\\\\\\\server"),
        "{ics}"
    );
}

#[test]
fn errors_name_what_is_wrong() {
    let mut s = series(
        "ser_err",
        weekly(&[Weekday::Mon], End::Count { count: 3 }),
        d(2025, 3, 3),
        t(19, 0),
        "Europe/London",
        60,
        "Errors",
    );
    let now = utc("2025-03-01T00:00:00Z");
    let mut other = s.clone();
    other.rrule = "FREQ=DAILY;WKST=MO".into();
    assert!(matches!(
        series_calendar(&other, &[], now),
        Err(CalendarError::RuleMismatch { .. })
    ));
    let mut other = s.clone();
    other.timezone = "Mars/Olympus_Mons".into();
    let err = series_calendar(&other, &[], now).unwrap_err();
    assert!(matches!(err, CalendarError::Schedule(_)));
    assert!(err.to_string().contains("Mars/Olympus_Mons"), "{err}");
    // Mondays from a Tuesday until that Thursday: no occurrence, no DTSTART.
    s = series(
        "ser_none",
        weekly(
            &[Weekday::Mon],
            End::Until {
                date: d(2025, 3, 6),
            },
        ),
        d(2025, 3, 4),
        t(19, 0),
        "Europe/London",
        60,
        "None",
    );
    assert!(matches!(
        series_calendar(&s, &[], now),
        Err(CalendarError::NoOccurrence { .. })
    ));
}

#[test]
fn file_names_are_safe() {
    assert_eq!(file_name("Weekly sprint"), "Weekly-sprint.ics");
    assert_eq!(
        file_name("  Sprint; review, \"Q3\"\nline2 "),
        "Sprint-review-Q3-line2.ics"
    );
    assert_eq!(file_name("../../etc/passwd"), "etc-passwd.ics");
    assert_eq!(file_name("Café Zürich 東京"), "Café-Zürich-東京.ics");
    assert_eq!(file_name("?!"), "calendar.ics");
    assert_eq!(file_name("con"), "con-calendar.ics");
    assert_eq!(file_name("COM1"), "COM1-calendar.ics");
    assert_eq!(
        file_name(&"a".repeat(300)),
        format!("{}.ics", "a".repeat(64))
    );
}
