//! The series rules on the nights that break implementations: DST gaps and folds in six
//! zones (two of which change at midnight, one by 30 minutes), monthly rules, the limits.

use super::*;
use chrono::{Datelike, Weekday};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn daily(count: u32) -> RuleForm {
    RuleForm {
        frequency: Frequency::Daily,
        days: vec![],
        monthly: None,
        end: End::Count { count },
    }
}

fn instants(s: &Schedule) -> Vec<String> {
    s.all(100)
        .unwrap()
        .iter()
        .map(|o| o.at.format("%Y-%m-%dT%H:%MZ").to_string())
        .collect()
}

fn schedule(rule: RuleForm, start: NaiveDate, time: NaiveTime, zone: &str) -> Schedule {
    Schedule::new(&rule, start, time, parse_zone(zone).unwrap()).unwrap()
}

#[test]
fn a_time_in_a_spring_gap_moves_forward_by_the_gap() {
    // New York 2025-03-09: 02:00 → 03:00. 02:30 does not exist: 07:30Z (03:30 EDT).
    let s = schedule(daily(3), d(2025, 3, 8), t(2, 30), "America/New_York");
    assert_eq!(
        instants(&s),
        [
            "2025-03-08T07:30Z",
            "2025-03-09T07:30Z",
            "2025-03-10T06:30Z"
        ]
    );
    // Lord Howe 2025-10-05: 02:00 → 02:30 (a 30-minute shift). 02:15 → 15:45Z the day before.
    let s = schedule(daily(3), d(2025, 10, 4), t(2, 15), "Australia/Lord_Howe");
    assert_eq!(
        instants(&s),
        [
            "2025-10-03T15:45Z",
            "2025-10-04T15:45Z",
            "2025-10-05T15:15Z"
        ]
    );
    // Santiago 2025-09-07: midnight → 01:00. 00:30 does not exist: 04:30Z.
    let s = schedule(daily(3), d(2025, 9, 6), t(0, 30), "America/Santiago");
    assert_eq!(
        instants(&s),
        [
            "2025-09-06T04:30Z",
            "2025-09-07T04:30Z",
            "2025-09-08T03:30Z"
        ]
    );
}

#[test]
fn a_time_in_an_autumn_fold_takes_the_first_instant() {
    // New York 2025-11-02: 02:00 → 01:00. 01:30 happens twice: the first, EDT, 05:30Z.
    let s = schedule(daily(3), d(2025, 11, 1), t(1, 30), "America/New_York");
    assert_eq!(
        instants(&s),
        [
            "2025-11-01T05:30Z",
            "2025-11-02T05:30Z",
            "2025-11-03T06:30Z"
        ]
    );
    // London 2025-10-26: 02:00 → 01:00. 01:30 BST first: 00:30Z.
    let s = schedule(daily(2), d(2025, 10, 26), t(1, 30), "Europe/London");
    assert_eq!(instants(&s), ["2025-10-26T00:30Z", "2025-10-27T01:30Z"]);
    // Havana 2025-11-02: 01:00 → 00:00. 00:30 twice: the first, CDT, 04:30Z.
    let s = schedule(daily(1), d(2025, 11, 2), t(0, 30), "America/Havana");
    assert_eq!(instants(&s), ["2025-11-02T04:30Z"]);
}

#[test]
fn the_wall_clock_time_holds_across_changes() {
    // Sydney's spring change (2025-10-05 02:00 → 03:00): 19:00 stays 19:00 local.
    let weekly = RuleForm {
        frequency: Frequency::Weekly,
        days: vec![Weekday::Sat, Weekday::Mon],
        monthly: None,
        end: End::Count { count: 4 },
    };
    let s = schedule(weekly, d(2025, 9, 27), t(19, 0), "Australia/Sydney");
    let local: Vec<String> = s
        .all(10)
        .unwrap()
        .iter()
        .map(|o| {
            o.at.with_timezone(&s.zone)
                .format("%a %Y-%m-%d %H:%M")
                .to_string()
        })
        .collect();
    assert_eq!(
        local,
        [
            "Sat 2025-09-27 19:00",
            "Mon 2025-09-29 19:00",
            "Sat 2025-10-04 19:00",
            "Mon 2025-10-06 19:00"
        ]
    );
    assert_eq!(s.all(10).unwrap()[3].at, utc("2025-10-06T08:00:00Z"));
}

#[test]
fn monthly_rules_take_their_day_from_the_rule_never_from_today() {
    // Day 31 skips the months without one; from 2025-01-31, COUNT=6: Jan, Mar, May, Jul,
    // Aug, Oct.
    let monthly = |monthly, count| RuleForm {
        frequency: Frequency::Monthly,
        days: vec![],
        monthly: Some(monthly),
        end: End::Count { count },
    };
    let s = schedule(
        monthly(MonthlyDay::Day { day: 31 }, 6),
        d(2025, 1, 31),
        t(9, 0),
        "Europe/London",
    );
    let months: Vec<u32> = s
        .all(10)
        .unwrap()
        .iter()
        .map(|o| o.local_date.month())
        .collect();
    assert_eq!(months, [1, 3, 5, 7, 8, 10]);
    assert!(
        s.describe().contains("months without a day 31 are skipped"),
        "{}",
        s.describe()
    );
    // The second Tuesday and the last Friday.
    let s = schedule(
        monthly(
            MonthlyDay::Weekday {
                nth: 2,
                weekday: Weekday::Tue,
            },
            3,
        ),
        d(2025, 1, 1),
        t(18, 0),
        "America/New_York",
    );
    let dates: Vec<NaiveDate> = s.all(10).unwrap().iter().map(|o| o.local_date).collect();
    assert_eq!(dates, [d(2025, 1, 14), d(2025, 2, 11), d(2025, 3, 11)]);
    assert_eq!(s.rrule_text(), "FREQ=MONTHLY;BYDAY=2TU;COUNT=3;WKST=MO");
    let s = schedule(
        monthly(
            MonthlyDay::Weekday {
                nth: -1,
                weekday: Weekday::Fri,
            },
            2,
        ),
        d(2025, 1, 1),
        t(18, 0),
        "America/New_York",
    );
    let dates: Vec<NaiveDate> = s.all(10).unwrap().iter().map(|o| o.local_date).collect();
    assert_eq!(dates, [d(2025, 1, 31), d(2025, 2, 28)]);
    assert_eq!(
        s.describe(),
        "every month on the last Friday at 18:00 (New York time), 2 times"
    );
}

#[test]
fn rules_are_built_from_the_form_with_their_limits() {
    let form = RuleForm {
        frequency: Frequency::Biweekly,
        days: vec![],
        monthly: None,
        end: End::Until {
            date: d(2025, 12, 31),
        },
    };
    // A Monday start; no day chosen: the start's weekday.
    let s = schedule(form.clone(), d(2025, 11, 3), t(19, 0), "America/New_York");
    assert_eq!(s.rule.days, [Weekday::Mon]);
    // UNTIL: 23:59:59 New York time on the end date, in UTC.
    assert_eq!(
        s.rrule_text(),
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=20260101T045959Z;WKST=MO"
    );
    assert_eq!(
        s.describe(),
        "every 2 weeks on Monday at 19:00 (New York time), until 31 December 2025"
    );
    // UNTIL is inclusive: 3, 17 November, 1, 15, 29 December.
    let dates: Vec<NaiveDate> = s.all(20).unwrap().iter().map(|o| o.local_date).collect();
    assert_eq!(
        dates,
        [
            d(2025, 11, 3),
            d(2025, 11, 17),
            d(2025, 12, 1),
            d(2025, 12, 15),
            d(2025, 12, 29)
        ]
    );

    let err =
        |form: RuleForm| Schedule::new(&form, d(2025, 1, 1), t(9, 0), chrono_tz::UTC).unwrap_err();
    let too_many = err(daily(53));
    assert!(
        too_many
            .to_string()
            .contains("Maximum 52 instances allowed"),
        "{too_many}"
    );
    assert!(err(daily(0)).to_string().contains("count"));
    let bare_byday = RuleForm {
        frequency: Frequency::Monthly,
        days: vec![Weekday::Tue],
        monthly: Some(MonthlyDay::Day { day: 3 }),
        end: End::Never,
    };
    assert!(err(bare_byday).to_string().contains("days"));
    let no_day = RuleForm {
        monthly: None,
        days: vec![],
        ..daily(3)
    };
    let no_day = RuleForm {
        frequency: Frequency::Monthly,
        ..no_day
    };
    assert!(err(no_day).to_string().contains("monthly"));
    assert!(parse_zone("Mars/Olympus")
        .unwrap_err()
        .to_string()
        .contains("timezone"));
    assert_eq!(
        daily(52).normalized(d(2025, 1, 1)).unwrap().end,
        End::Count { count: 52 }
    );
}

#[test]
fn a_window_is_a_slice_of_one_expansion_and_never_in_the_past() {
    // Biweekly Tuesdays and Sundays, COUNT=10, from Tuesday 2025-01-07.
    let form = RuleForm {
        frequency: Frequency::Biweekly,
        days: vec![Weekday::Tue, Weekday::Sun],
        monthly: None,
        end: End::Count { count: 10 },
    };
    let s = schedule(form, d(2025, 1, 7), t(19, 0), "Pacific/Kiritimati");
    let all = s.all(100).unwrap();
    assert_eq!(all.len(), 10);
    // Windows of 20 days, from "now" moving on: together they are the whole expansion, the
    // biweekly week never restarts, and nothing before each window's start comes back.
    let mut seen = Vec::new();
    let mut now = utc("2025-01-01T00:00:00Z");
    while now < utc("2025-04-01T00:00:00Z") {
        let next = now + Duration::days(20);
        for o in s.between(now, next - Duration::seconds(1), 1000).unwrap() {
            assert!(o.at >= now);
            seen.push(o);
        }
        now = next;
    }
    assert_eq!(seen, all);
    // Started late: what is past is not created, and COUNT still counts it.
    let late = s.between(
        all[3].at + Duration::minutes(1),
        utc("2026-01-01T00:00:00Z"),
        1000,
    );
    assert_eq!(late.unwrap(), all[4..]);
}
