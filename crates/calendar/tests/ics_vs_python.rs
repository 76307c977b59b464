//! The exported calendar files read by an independent parser: the PyPI `icalendar` with
//! `recurring-ical-events` (`ics_expand.py`, run as a child process) expands each file, and
//! the instants, compared as epoch seconds, must be the series' occurrences
//! (`Schedule::between`) less the cancelled and never-created ones, with edited ones at
//! their new time, length and title. Then the same after the TZID is renamed to a name no
//! zone database knows, which makes the reader build the zone from the file's VTIMEZONE.
//! `scripts/test.sh` makes the Python environment (`WP_PYREF`, `ensure_pyref` in
//! `scripts/lib.sh`), with the `tzdata` of chrono-tz's version, which the test checks.

mod cases;
mod common;

use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use cases::{cases, Case};
use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use common::*;
use serde_json::{json, Value};
use wp_calendar::{series_calendar, session_calendar};
use wp_domain::series::{parse_zone, resolve};
use wp_domain::{SeriesRecord, SessionRecord, SessionStatus};

/// A name no zone database has: the reader must use the file's VTIMEZONE.
const CUSTOM_TZID: &str = "WorkshopPilot-Custom-Zone";

/// One expanded event as both sides write it: start (epoch seconds), duration (seconds),
/// SUMMARY, STATUS, DESCRIPTION.
type Expanded = (i64, i64, String, String, String);

struct Python {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Python {
    fn start() -> Python {
        let python = std::env::var("WP_PYREF").expect(
            "WP_PYREF is not set: run scripts/test.sh, which makes a python with icalendar, \
             recurring-ical-events and the tzdata of chrono-tz's version",
        );
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ics_expand.py");
        let mut child = Command::new(&python)
            .arg(script)
            // Only the `tzdata` package, never the system's zone files: one known version.
            .env("PYTHONTZPATH", "")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run the Python side");
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let version: String = serde_json::from_str(&lines.next().unwrap().unwrap())
            .expect("the tzdata version (is icalendar installed in WP_PYREF?)");
        assert_eq!(
            version,
            chrono_tz::IANA_TZDB_VERSION,
            "Python loads tzdata {version}, chrono-tz has {}: the sides would disagree on zones",
            chrono_tz::IANA_TZDB_VERSION
        );
        Python {
            child,
            stdin,
            lines,
        }
    }

    /// The tzinfo class the first VEVENT's DTSTART got, and the events in `[from, to]`.
    fn expand(
        &mut self,
        ics: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> (String, Vec<Expanded>) {
        let case = json!({"ics": ics, "from": from.timestamp(), "to": to.timestamp()});
        writeln!(self.stdin, "{case}").unwrap();
        self.stdin.flush().unwrap();
        let answer: Value = serde_json::from_str(&self.lines.next().unwrap().unwrap()).unwrap();
        if let Some(error) = answer.get("error") {
            panic!(
                "Python could not read the file:\n{}\n{ics}",
                error.as_str().unwrap()
            );
        }
        let events = serde_json::from_value(answer["events"].clone()).unwrap();
        (answer["tz"].as_str().unwrap().to_string(), events)
    }
}

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether a row is not what the rule gives: exported as an override, DTSTART in UTC.
fn edited(series: &SeriesRecord, row: &SessionRecord) -> bool {
    let zone = parse_zone(&series.timezone).unwrap();
    let rule_at = resolve(zone, row.local_date.unwrap().and_time(series.time_of_day));
    row.scheduled_at != rule_at
        || row.duration_minutes != series.duration_minutes
        || row.title != series.title
        || row.description != series.description
}

/// The instant dateutil's `tzical` (what icalendar builds from a VTIMEZONE) gives a local
/// time: like RFC 5545 §3.3.5 except in a spring-forward gap, which it reads with the
/// offset after the change (New York 2025-03-09 02:30 → 06:30Z, not 07:30Z). A known
/// difference of that reader, not of the file: with the IANA name the same file gives the
/// RFC instant.
fn tzical_instant(zone: chrono_tz::Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let at = resolve(zone, local);
    let offset = zone.offset_from_utc_datetime(&at.naive_utc()).fix();
    (local - Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc()
}

impl Case {
    /// What a calendar must show: the rows that are not cancelled (edited ones as edited),
    /// and the occurrences after the latest row that are not past (the rolling job will
    /// make them). `via_custom_zone`: rule times as read through the VTIMEZONE by tzical.
    fn expected(&self, via_custom_zone: bool) -> Vec<Expanded> {
        let s = &self.series;
        let zone = parse_zone(&s.timezone).unwrap();
        let rule_time = |local: NaiveDateTime| {
            if via_custom_zone {
                tzical_instant(zone, local)
            } else {
                resolve(zone, local)
            }
        };
        let text = |t: &str| t.replace("\r\n", "\n");
        let mut out = Vec::new();
        for row in &self.rows {
            if row.status == SessionStatus::Cancelled {
                continue;
            }
            let at = if edited(s, row) {
                row.scheduled_at
            } else {
                rule_time(row.local_date.unwrap().and_time(s.time_of_day))
            };
            if row.scheduled_at >= self.from && row.scheduled_at <= self.to {
                let minutes = i64::from(row.duration_minutes) * 60;
                out.push((
                    at.timestamp(),
                    minutes,
                    text(&row.title),
                    String::new(),
                    text(&row.description),
                ));
            }
        }
        let latest = self.rows.iter().filter_map(|r| r.local_date).max();
        for o in occurrences(s, self.from, self.to) {
            if latest.is_none_or(|l| o.local_date > l) && o.at >= self.now {
                let at = rule_time(o.local_date.and_time(s.time_of_day));
                let minutes = i64::from(s.duration_minutes) * 60;
                out.push((
                    at.timestamp(),
                    minutes,
                    text(&s.title),
                    String::new(),
                    text(&s.description),
                ));
            }
        }
        out.sort();
        out
    }
}

/// Renames the zone in the VTIMEZONE and in every `TZID=` parameter; checks none is left.
fn rename_tzid(ics: &str, zone: &str) -> String {
    let renamed = ics
        .replace(
            &format!("TZID:{zone}\r\n"),
            &format!("TZID:{CUSTOM_TZID}\r\n"),
        )
        .replace(&format!("TZID={zone}:"), &format!("TZID={CUSTOM_TZID}:"));
    assert_eq!(
        renamed.matches("TZID").count(),
        renamed.matches(CUSTOM_TZID).count(),
        "a TZID was not renamed (folded?):\n{renamed}"
    );
    assert!(!renamed.contains(zone));
    renamed
}

#[test]
fn exported_series_expand_to_the_same_instants_in_python() {
    let mut python = Python::start();
    let mut failures = Vec::new();
    for case in cases() {
        let ics = series_calendar(&case.series, &case.rows, case.now).unwrap();
        let expected = case.expected(false);
        assert!(!expected.is_empty(), "{}: nothing to compare", case.name);

        let (tz, got) = python.expand(&ics, case.from, case.to);
        assert_eq!(
            tz, "zoneinfo.ZoneInfo",
            "{}: the IANA name reads through zoneinfo",
            case.name
        );
        if got != expected {
            failures.push(format!(
                "{} (IANA TZID):\n got {got:?}\nwant {expected:?}\n{ics}",
                case.name
            ));
        }

        let renamed = rename_tzid(&ics, &case.series.timezone);
        let (tz, got) = python.expand(&renamed, case.from, case.to);
        assert_eq!(
            tz, "dateutil.tz.tz._tzicalvtz",
            "{}: a TZID no database knows must be read from the VTIMEZONE",
            case.name
        );
        let expected = case.expected(true);
        if got != expected {
            failures.push(format!(
                "{} ({CUSTOM_TZID}):\n got {got:?}\nwant {expected:?}\n{renamed}",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_renamed_zone_really_comes_from_the_vtimezone() {
    // With every offset in the VTIMEZONE set to +0000, the reader must put the first event
    // (2 March 2025 02:30 in New York) at 02:30Z: it uses the file's zone, nothing else.
    let case = cases().into_iter().next().unwrap();
    let ics = series_calendar(&case.series, &case.rows, case.now).unwrap();
    let flat: String = rename_tzid(&ics, &case.series.timezone)
        .split_inclusive("\r\n")
        .map(|line| match line.split_once(':') {
            Some(("TZOFFSETFROM" | "TZOFFSETTO", _)) => {
                format!("{}:+0000\r\n", line.split_once(':').unwrap().0)
            }
            _ => line.to_string(),
        })
        .collect();
    assert_ne!(flat, rename_tzid(&ics, &case.series.timezone));
    let mut python = Python::start();
    let (_, got) = python.expand(&flat, case.from, case.to);
    assert_eq!(got[0].0, utc("2025-03-02T02:30:00Z").timestamp(), "{got:?}");
    let (_, real) = python.expand(
        &rename_tzid(&ics, &case.series.timezone),
        case.from,
        case.to,
    );
    assert_eq!(
        real[0].0,
        utc("2025-03-02T07:30:00Z").timestamp(),
        "{real:?}"
    );
}

#[test]
fn a_single_session_reads_back_with_its_text_and_status() {
    let mut python = Python::start();
    let title = "Sprint; review, \"Q3\"\nline2";
    let mut s = session(title, utc("2025-11-02T05:30:00Z"), 90);
    s.description = "Notes: a\\b, c;d\r\nnext line".into();
    let ics = session_calendar(&s, utc("2025-10-01T12:00:00Z")).unwrap();
    let (from, to) = (utc("2025-11-01T00:00:00Z"), utc("2025-11-03T00:00:00Z"));
    let (_, got) = python.expand(&ics, from, to);
    let want = |status: &str| {
        vec![(
            utc("2025-11-02T05:30:00Z").timestamp(),
            90 * 60,
            title.to_string(),
            status.to_string(),
            "Notes: a\\b, c;d\nnext line".to_string(),
        )]
    };
    assert_eq!(got, want(""), "{ics}");

    s.status = SessionStatus::Cancelled;
    let ics = session_calendar(&s, utc("2025-10-01T12:00:00Z")).unwrap();
    let (_, got) = python.expand(&ics, from, to);
    assert_eq!(got, want("CANCELLED"), "{ics}");
}
