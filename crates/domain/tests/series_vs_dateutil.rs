//! Property test: for random rules the form can build, random zones and starts in 1990–2037,
//! the occurrences are exactly those python-dateutil's `rrule` with `zoneinfo` gives
//! (`dateutil_expand.py`), compared as epoch seconds, with the same tzdata version on both
//! sides. `scripts/test.sh` makes the Python environment (`WP_PYREF`: a python with
//! python-dateutil and the `tzdata` package of chrono-tz's version); `WP_SERIES_CASES` sets
//! the number of cases (default 400), `WP_SERIES_SEED` the seed.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use wp_domain::series::{parse_zone, resolve, End, Frequency, MonthlyDay, RuleForm, Schedule};

/// Zones with the transitions that break implementations, and some without any.
const ZONES: &[&str] = &[
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Santiago",
    "America/Havana",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Asia/Kolkata",
    "Europe/Berlin",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "UTC",
];

/// xorshift64*: a small deterministic generator, so a failing seed can be run again.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn random_case(rng: &mut Rng) -> (Schedule, &'static str) {
    let zone_name = ZONES[rng.below(ZONES.len() as u64) as usize];
    let start =
        NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + Duration::days(rng.below(47 * 365) as i64);
    // Times near midnight and in the small hours are where gaps and folds are.
    let minutes = [0, 15, 30, 45];
    let hour = match rng.below(3) {
        0 => rng.below(4) as u32,
        1 => 23,
        _ => rng.below(24) as u32,
    };
    let time = NaiveTime::from_hms_opt(hour, minutes[rng.below(4) as usize], 0).unwrap();
    let frequency = [
        Frequency::Daily,
        Frequency::Weekly,
        Frequency::Biweekly,
        Frequency::Monthly,
    ][rng.below(4) as usize];
    let (days, monthly) = if frequency == Frequency::Monthly {
        let monthly = if rng.below(2) == 0 {
            MonthlyDay::Day {
                day: 1 + rng.below(31) as u8,
            }
        } else {
            MonthlyDay::Weekday {
                nth: [1, 2, 3, 4, -1][rng.below(5) as usize],
                weekday: WEEKDAYS[rng.below(7) as usize],
            }
        };
        (vec![], Some(monthly))
    } else {
        let days: Vec<Weekday> = WEEKDAYS
            .iter()
            .copied()
            .filter(|_| rng.below(3) == 0)
            .collect();
        (days, None)
    };
    let end = match rng.below(3) {
        0 => End::Count {
            count: 1 + rng.below(52) as u32,
        },
        1 => End::Until {
            date: start + Duration::days(rng.below(500) as i64),
        },
        _ => End::Never,
    };
    let form = RuleForm {
        frequency,
        days,
        monthly,
        end,
    };
    let zone = parse_zone(zone_name).unwrap();
    (Schedule::new(&form, start, time, zone).unwrap(), zone_name)
}

#[test]
fn occurrences_equal_python_dateutils() {
    let python = std::env::var("WP_PYREF").expect(
        "WP_PYREF is not set: run scripts/test.sh, which makes a python with python-dateutil \
         and the tzdata of chrono-tz's version",
    );
    let cases: usize = std::env::var("WP_SERIES_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let seed: u64 = std::env::var("WP_SERIES_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_251_123);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/dateutil_expand.py");
    let mut child = Command::new(&python)
        .arg(script)
        // Only the `tzdata` package, never the system's zone files: one known version.
        .env("PYTHONTZPATH", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the dateutil side");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let version: String =
        serde_json::from_str(&lines.next().unwrap().unwrap()).expect("tzdata version");
    assert_eq!(
        version,
        chrono_tz::IANA_TZDB_VERSION,
        "Python loads tzdata {version}, chrono-tz has {}: the sides would disagree on zones",
        chrono_tz::IANA_TZDB_VERSION
    );

    let mut rng = Rng(seed | 1);
    let mut compared = 0usize;
    for case in 0..cases {
        let (schedule, zone) = random_case(&mut rng);
        let first = resolve(
            schedule.zone,
            schedule.start_date.and_time(schedule.time_of_day),
        );
        let (from, to) = (first - Duration::days(1), first + Duration::days(400));
        let ours: Vec<i64> = schedule
            .between(from, to, u16::MAX)
            .unwrap()
            .iter()
            .map(|o| o.at.timestamp())
            .collect();
        let request = serde_json::json!({
            "rrule": schedule.rrule_text(),
            "dtstart": schedule.start_date.and_time(schedule.time_of_day).format("%Y-%m-%dT%H:%M").to_string(),
            "zone": zone,
            "from": from.timestamp(),
            "to": to.timestamp(),
        });
        writeln!(stdin, "{request}").unwrap();
        let theirs: Vec<i64> = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        assert_eq!(
            ours,
            theirs,
            "case {case} (seed {seed}): {request}; start weekday {:?}",
            schedule.start_date.weekday()
        );
        compared += ours.len();
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    assert!(
        compared > cases,
        "the cases had occurrences to compare ({compared})"
    );
}
