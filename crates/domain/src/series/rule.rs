//! The recurrence rule of a series, built from the simple form (never parsed from free
//! text): daily, weekly, every two weeks or monthly; chosen days; COUNT or UNTIL. The
//! `RRULE` text it writes is the only kind the app accepts (`reference/series.md`).

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::DomainError;

/// The most occurrences a counted series may have: 52, "Maximum 52 instances allowed" (the
/// original server's message).
pub const MAX_COUNT: u32 = 52;

/// How often a series meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Frequency {
    Daily,
    Weekly,
    /// Every two weeks: `FREQ=WEEKLY;INTERVAL=2`.
    Biweekly,
    Monthly,
}

/// Which day of the month a monthly series meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", tag = "by")]
pub enum MonthlyDay {
    /// Day 1 to 31; months without that day are skipped (`BYMONTHDAY=31`).
    Day { day: u8 },
    /// The `nth` (1 to 4, or -1 for the last) weekday of the month (`BYDAY=2TU`, `-1FR`).
    Weekday {
        nth: i8,
        #[cfg_attr(
            feature = "ts",
            ts(type = "\"Mon\" | \"Tue\" | \"Wed\" | \"Thu\" | \"Fri\" | \"Sat\" | \"Sun\"")
        )]
        weekday: Weekday,
    },
}

/// How a series ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum End {
    /// It goes on (the rolling job keeps 90 days ahead).
    Never,
    /// After this many occurrences, 1 to [`MAX_COUNT`].
    Count { count: u32 },
    /// On this date (inclusive, to 23:59:59 in the series' zone).
    Until { date: NaiveDate },
    /// Just before the occurrence on `date` (whose rule instant is `at`): a series cut at
    /// one of its occurrences ("this one and all that follow"). UNTIL is `at` minus one
    /// second, replacing COUNT. Set by cancelling, never by the form.
    Cut {
        date: NaiveDate,
        at: chrono::DateTime<chrono::Utc>,
    },
}

/// The simple form a facilitator fills in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RuleForm {
    pub frequency: Frequency,
    /// Days of the week (daily, weekly, biweekly). Empty for a weekly series: the start
    /// date's weekday. Refused for monthly (RFC 5545 would read it as every such weekday).
    #[serde(default)]
    #[cfg_attr(
        feature = "ts",
        ts(type = "Array<\"Mon\" | \"Tue\" | \"Wed\" | \"Thu\" | \"Fri\" | \"Sat\" | \"Sun\">")
    )]
    pub days: Vec<Weekday>,
    /// Required for monthly, refused otherwise.
    #[serde(default)]
    pub monthly: Option<MonthlyDay>,
    pub end: End,
}

/// The two-letter RFC 5545 name of a weekday.
pub fn weekday_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn invalid(field: &str, message: impl Into<String>) -> DomainError {
    DomainError::argument(field, message)
}

impl RuleForm {
    /// Checks the form against the rules of `reference/series.md`; errors name the field.
    /// `start_date` fills in a weekly series' day when none is chosen.
    pub fn normalized(&self, start_date: NaiveDate) -> Result<RuleForm, DomainError> {
        let mut form = self.clone();
        form.days.sort_by_key(|d| d.num_days_from_monday());
        form.days.dedup();
        match (form.frequency, form.monthly) {
            (Frequency::Monthly, None) => {
                return Err(invalid(
                    "monthly",
                    "a monthly series needs a day of the month or an nth weekday",
                ))
            }
            (Frequency::Monthly, Some(_)) if !form.days.is_empty() => {
                return Err(invalid(
                    "days",
                    "a monthly series takes its day from `monthly`, not from days of the week",
                ))
            }
            (Frequency::Monthly, Some(MonthlyDay::Day { day })) if !(1..=31).contains(&day) => {
                return Err(invalid(
                    "monthly.day",
                    "the day of the month must be 1 to 31",
                ))
            }
            (Frequency::Monthly, Some(MonthlyDay::Weekday { nth, .. }))
                if !(nth == -1 || (1..=4).contains(&nth)) =>
            {
                return Err(invalid(
                    "monthly.nth",
                    "the nth weekday must be 1 to 4, or -1 for the last",
                ))
            }
            (Frequency::Monthly, Some(_)) => {}
            (_, Some(_)) => {
                return Err(invalid(
                    "monthly",
                    "only a monthly series takes a day of the month",
                ))
            }
            (Frequency::Weekly | Frequency::Biweekly, None) if form.days.is_empty() => {
                form.days.push(start_date.weekday());
            }
            (_, None) => {}
        }
        match form.end {
            End::Count { count } if count == 0 || count > MAX_COUNT => {
                return Err(invalid("count", "Maximum 52 instances allowed"))
            }
            End::Until { date } | End::Cut { date, .. } if date < start_date => {
                return Err(invalid(
                    "until",
                    "the end date must not be before the start date",
                ))
            }
            _ => {}
        }
        Ok(form)
    }

    /// The `RRULE` value (without the `RRULE:` prefix) of a normalized form. `until_utc` is
    /// the UNTIL instant (the end date at 23:59:59 in the series' zone, as UTC), written as
    /// `YYYYMMDDTHHMMSSZ`. Always `WKST=MO`.
    pub fn rrule_text(&self, until_utc: Option<chrono::DateTime<chrono::Utc>>) -> String {
        let mut parts = vec![match self.frequency {
            Frequency::Daily => "FREQ=DAILY".to_string(),
            Frequency::Weekly => "FREQ=WEEKLY".to_string(),
            Frequency::Biweekly => "FREQ=WEEKLY;INTERVAL=2".to_string(),
            Frequency::Monthly => "FREQ=MONTHLY".to_string(),
        }];
        if !self.days.is_empty() {
            let days: Vec<&str> = self.days.iter().map(|d| weekday_code(*d)).collect();
            parts.push(format!("BYDAY={}", days.join(",")));
        }
        match self.monthly {
            Some(MonthlyDay::Day { day }) => parts.push(format!("BYMONTHDAY={day}")),
            Some(MonthlyDay::Weekday { nth, weekday }) => {
                parts.push(format!("BYDAY={nth}{}", weekday_code(weekday)))
            }
            None => {}
        }
        match (self.end, until_utc) {
            (End::Count { count }, _) => parts.push(format!("COUNT={count}")),
            (End::Until { .. } | End::Cut { .. }, Some(until)) => {
                parts.push(format!("UNTIL={}", until.format("%Y%m%dT%H%M%SZ")))
            }
            _ => {}
        }
        parts.push("WKST=MO".into());
        parts.join(";")
    }
}
