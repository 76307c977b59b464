//! Series expansion: 1,000 series (every kind of rule the form builds, across zones with
//! DST changes) expanded over a 90-day window by `wp_domain::series`, against
//! python-dateutil's `rrule` with `zoneinfo` on the same rules in the same run
//! (`crates/domain/tests/dateutil_expand.py --bench`, timing its own expansion loop). The
//! instants must be identical; the report gives the times and their ratio.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use wp_domain::series::{parse_zone, End, Frequency, MonthlyDay, RuleForm, Schedule};

use crate::report::{machine, ms, ratio, write_section};

const ZONES: &[&str] = &[
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Santiago",
    "America/Havana",
    "Asia/Kolkata",
    "Pacific/Chatham",
];

const DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The i-th series: a spread of frequencies, days, month rules, ends, zones, times and
/// starts within the two years before `now`.
fn nth_series(i: usize) -> Schedule {
    let frequency = [
        Frequency::Daily,
        Frequency::Weekly,
        Frequency::Biweekly,
        Frequency::Monthly,
    ][i % 4];
    let (days, monthly) = match frequency {
        Frequency::Monthly if i.is_multiple_of(3) => (
            vec![],
            Some(MonthlyDay::Weekday {
                nth: [1, 2, 3, 4, -1][i % 5],
                weekday: DAYS[i % 7],
            }),
        ),
        Frequency::Monthly => (
            vec![],
            Some(MonthlyDay::Day {
                day: 1 + (i % 31) as u8,
            }),
        ),
        _ => (
            DAYS.iter()
                .enumerate()
                .filter(|(d, _)| (i >> d) & 1 == 1)
                .map(|(_, w)| *w)
                .collect(),
            None,
        ),
    };
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
        + chrono::Duration::days((i * 37 % 700) as i64);
    let end = match i % 3 {
        0 => End::Count {
            count: 1 + (i % 52) as u32,
        },
        1 => End::Until {
            date: start + chrono::Duration::days((i * 13 % 900) as i64),
        },
        _ => End::Never,
    };
    let time = NaiveTime::from_hms_opt((i * 7 % 24) as u32, [0, 15, 30, 45][i % 4], 0).unwrap();
    let form = RuleForm {
        frequency,
        days,
        monthly,
        end,
    };
    Schedule::new(
        &form,
        start,
        time,
        parse_zone(ZONES[i % ZONES.len()]).unwrap(),
    )
    .unwrap()
}

pub fn run(count: usize) {
    let python = std::env::var("WP_PYREF")
        .expect("WP_PYREF: scripts/bench.sh series makes the Python with python-dateutil");
    let now: DateTime<Utc> = "2025-10-01T00:00:00Z".parse().unwrap();
    let to = now + chrono::Duration::days(90);
    let all: Vec<Schedule> = (0..count).map(nth_series).collect();

    // Ours: the best of 5 runs of the whole expansion.
    let mut ours_result = Vec::new();
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        let result: Vec<Vec<i64>> = all
            .iter()
            .map(|s| {
                s.between(now, to, u16::MAX)
                    .unwrap()
                    .iter()
                    .map(|o| o.at.timestamp())
                    .collect()
            })
            .collect();
        best = best.min(started.elapsed());
        ours_result = result;
    }

    // dateutil: the same rules, the best of 5 runs.
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../domain/tests/dateutil_expand.py"
    );
    let input: String = all
        .iter()
        .zip(0..)
        .map(|(s, i)| {
            serde_json::json!({
                "rrule": s.rrule_text(),
                "dtstart": s.start_date.and_time(s.time_of_day).format("%Y-%m-%dT%H:%M").to_string(),
                "zone": ZONES[i % ZONES.len()],
                "from": now.timestamp(),
                "to": to.timestamp(),
            })
            .to_string()
                + "\n"
        })
        .collect();
    let mut theirs_best = f64::MAX;
    for _ in 0..5 {
        let mut child = Command::new(&python)
            .arg(script)
            .arg("--bench")
            .env("PYTHONTZPATH", "")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run python-dateutil");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let mut lines = text.lines();
        let version: String = serde_json::from_str(lines.next().unwrap()).unwrap();
        assert_eq!(
            version,
            chrono_tz::IANA_TZDB_VERSION,
            "tzdata versions differ"
        );
        let report: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
        let theirs: Vec<Vec<i64>> = serde_json::from_value(report["results"].clone()).unwrap();
        assert_eq!(theirs, ours_result, "the instants differ from dateutil's");
        theirs_best = theirs_best.min(report["seconds"].as_f64().unwrap());
    }
    let theirs = Duration::from_secs_f64(theirs_best);
    let instants: usize = ours_result.iter().map(Vec::len).sum();
    let body = format!(
        "## Series: expanding 1,000 series over 90 days, against python-dateutil\n\n\
         `scripts/bench.sh series` (`wp-bench series --series {count}`), release build, {machine}. \
         {count} series (daily, weekly, biweekly and monthly rules with chosen days, month days \
         and nth weekdays, COUNT, UNTIL or open-ended, in eight zones with DST changes, starting \
         in 2024–2025) expanded over the 90 days from 2025-10-01 into {instants} instants. \
         Baseline: python-dateutil 2.9 `rrule` with `zoneinfo` on the same rules, timing its own \
         loop (tzdata {tz} on both sides). Best of 5 runs each.\n\n\
         | | time | per series |\n|---|---|---|\n\
         | wp_domain::series (rrule crate, local time, zone resolved per occurrence) | {} ms | {:.1} µs |\n\
         | python-dateutil + zoneinfo | {} ms | {:.1} µs |\n\n\
         - Ratio: {} of dateutil's time. The instants are identical (asserted in each run).\n",
        ms(best),
        best.as_secs_f64() * 1e6 / count as f64,
        ms(theirs),
        theirs.as_secs_f64() * 1e6 / count as f64,
        ratio(best, theirs),
        machine = machine(),
        tz = chrono_tz::IANA_TZDB_VERSION,
    );
    write_section("series", &body);
}
