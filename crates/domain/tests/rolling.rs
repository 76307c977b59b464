//! The rolling job over 400 simulated days, two job instances a day reading the same state
//! (as two server processes would), with an injected clock: counted series end with exactly
//! their count, no occurrence is ever made in the past or twice, rolled occurrences keep the
//! series' privacy, and the horizon keeps ahead. The simulation runs in child processes
//! under `TZ=Pacific/Kiritimati` (UTC+14) and `TZ=Pacific/Pago_Pago` (UTC−11): the machine's
//! zone must change nothing.

use std::collections::BTreeMap;
use std::process::Command;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use wp_domain::series::rolling::{check_new, due, Planned, REFILL_DAYS};
use wp_domain::series::{parse_zone, End, Frequency, MonthlyDay, RuleForm, Schedule};

struct Series {
    id: &'static str,
    schedule: Schedule,
    is_private: bool,
}

fn series() -> Vec<Series> {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let make = |form: RuleForm, start, time, zone: &str| {
        Schedule::new(&form, start, time, parse_zone(zone).unwrap()).unwrap()
    };
    vec![
        Series {
            id: "ser_biweekly",
            schedule: make(
                RuleForm {
                    frequency: Frequency::Biweekly,
                    days: vec![Weekday::Tue, Weekday::Sun],
                    monthly: None,
                    end: End::Count { count: 10 },
                },
                d(2025, 1, 7),
                t(19, 0),
                "America/New_York",
            ),
            is_private: true,
        },
        Series {
            id: "ser_monthly31",
            schedule: make(
                RuleForm {
                    frequency: Frequency::Monthly,
                    days: vec![],
                    monthly: Some(MonthlyDay::Day { day: 31 }),
                    end: End::Count { count: 6 },
                },
                d(2025, 1, 31),
                t(9, 0),
                "Europe/London",
            ),
            is_private: false,
        },
        Series {
            id: "ser_weekly_forever",
            schedule: make(
                RuleForm {
                    frequency: Frequency::Weekly,
                    days: vec![Weekday::Mon],
                    monthly: None,
                    end: End::Never,
                },
                d(2025, 1, 6),
                t(2, 30),
                "Australia/Lord_Howe",
            ),
            is_private: true,
        },
    ]
}

/// Runs the simulation; returns every created row as a line, in key order.
fn simulate() -> Vec<String> {
    let start: DateTime<Utc> = "2025-01-01T03:00:00Z".parse().unwrap();
    let all = series();
    for s in &all {
        check_new(&s.schedule, start).unwrap();
    }
    // The store: rows keyed by (series, local date), each with when it was made.
    let mut rows: BTreeMap<(String, NaiveDate), (Planned, DateTime<Utc>)> = BTreeMap::new();
    for day in 0..400 {
        let now = start + Duration::days(day);
        for s in &all {
            let latest = rows
                .iter()
                .filter(|((id, _), _)| id == s.id)
                .map(|(_, (p, _))| p.at)
                .max();
            // Two job instances at once, both reading the same state.
            let first = due(&s.schedule, s.id, s.is_private, latest, now).unwrap();
            let second = due(&s.schedule, s.id, s.is_private, latest, now).unwrap();
            assert_eq!(first, second, "two instances plan the same rows");
            for planned in first.into_iter().chain(second) {
                assert!(
                    planned.at >= now,
                    "nothing in the past: {planned:?} at {now}"
                );
                assert_eq!(planned.is_private, s.is_private, "privacy kept");
                rows.entry((s.id.to_string(), planned.local_date))
                    .or_insert((planned, now));
            }
            if s.schedule.rule.end == End::Never {
                let latest = rows
                    .iter()
                    .filter(|((id, _), _)| id == s.id)
                    .map(|(_, (p, _))| p.at)
                    .max()
                    .unwrap();
                assert!(
                    latest - now >= Duration::days(REFILL_DAYS - 7),
                    "the horizon keeps ahead on day {day}"
                );
            }
        }
    }
    rows.values()
        .map(|(p, made)| {
            format!(
                "ROW {} {} {} {} {}",
                p.id, p.local_date, p.at, p.is_private, made
            )
        })
        .collect()
}

#[test]
#[ignore = "the child process of the_rolling_job_is_exact_and_the_same_in_any_machine_zone"]
fn rolling_child() {
    for line in simulate() {
        println!("{line}");
    }
}

#[test]
fn the_rolling_job_is_exact_and_the_same_in_any_machine_zone() {
    let run = |tz: &str| -> Vec<String> {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "rolling_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("TZ", tz)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            // The harness may print "test rolling_child ... " before the first row.
            .filter_map(|l| l.find("ROW ").map(|i| l[i..].to_string()))
            .collect()
    };
    let kiritimati = run("Pacific/Kiritimati");
    let pago_pago = run("Pacific/Pago_Pago");
    assert_eq!(
        kiritimati, pago_pago,
        "the machine's zone changed the schedule"
    );
    assert_eq!(kiritimati, simulate());

    assert_eq!(
        series_rows(&kiritimati, "ser_biweekly").len(),
        10,
        "exactly COUNT rows"
    );
    let months: Vec<u32> = series_rows(&kiritimati, "ser_monthly31")
        .iter()
        .map(|date| date.month())
        .collect();
    assert_eq!(
        months,
        [1, 3, 5, 7, 8, 10],
        "the 31st, skipping shorter months"
    );
    // Weekly, never ending: every Monday from the first, none missing, none twice, and the
    // last one well past the simulated 400 days (the horizon kept ahead).
    let weekly = series_rows(&kiritimati, "ser_weekly_forever");
    let first = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    let expected: Vec<NaiveDate> = (0..weekly.len() as i64)
        .map(|w| first + Duration::weeks(w))
        .collect();
    assert_eq!(weekly, expected);
    let last_day = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + Duration::days(399);
    assert!(*weekly.last().unwrap() - last_day >= Duration::days(REFILL_DAYS - 7));
    assert!(weekly.iter().all(|d| d.weekday() == Weekday::Mon));
}

#[test]
fn a_new_series_starts_at_least_15_minutes_from_now() {
    let all = series();
    let first = all[0].schedule.all(1).unwrap()[0].at;
    assert!(check_new(&all[0].schedule, first - Duration::minutes(15)).is_ok());
    let err = check_new(&all[0].schedule, first - Duration::minutes(14)).unwrap_err();
    assert!(err.to_string().contains("startDate"), "{err}");
    assert!(err.to_string().contains("15 minutes"), "{err}");
}

/// The local dates of a series' rows, from the printed lines (an id is derived from its
/// series and local date).
fn series_rows(lines: &[String], series_id: &str) -> Vec<NaiveDate> {
    lines
        .iter()
        .filter_map(|l| {
            let parts: Vec<&str> = l.split(' ').collect();
            let date: NaiveDate = parts[2].parse().ok()?;
            (parts[1] == wp_domain::series::rolling::occurrence_id(series_id, date)).then_some(date)
        })
        .collect()
}
