//! Recurring series (`reference/series.md`): the rule from the simple form ([`rule`]), its
//! description, and its occurrences in the series' own zone. No clock: "now" is an argument.
//!
//! Wall-clock time holds: each occurrence's local date is combined with the series' time of
//! day in its zone, and only then turned into an instant ([`resolve`]). The `rrule` crate
//! expands the dates in local naive time (as if the zone were UTC), because expanding in a
//! zone with it duplicates and skips occurrences at DST changes (rust-rrule issue #115) and
//! refuses a start inside a gap or fold.

pub mod rolling;
pub mod rule;

use chrono::{
    DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;
use rrule::{NWeekday, RRule};

pub use rule::{End, Frequency, MonthlyDay, RuleForm, MAX_COUNT};

use crate::DomainError;

/// A series' schedule: the rule, the first day, the time of day and the zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Normalized ([`RuleForm::normalized`]).
    pub rule: RuleForm,
    pub start_date: NaiveDate,
    pub time_of_day: NaiveTime,
    pub zone: Tz,
}

/// One occurrence: its local date in the series' zone and its instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub local_date: NaiveDate,
    pub at: DateTime<Utc>,
}

/// The instant of a local date and time in `zone` (RFC 5545 §3.3.5): a time that does not
/// exist (spring forward) moves forward by the gap's length, that is, it is read with the
/// offset in effect before the change; a time that exists twice (fall back) is the first.
pub fn resolve(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            // Step back to a time that exists: its offset is the one before the change.
            let mut before = local;
            let offset = loop {
                before -= Duration::minutes(15);
                if let LocalResult::Single(t) | LocalResult::Ambiguous(t, _) =
                    zone.from_local_datetime(&before)
                {
                    break t.offset().fix().local_minus_utc();
                }
            };
            (local - Duration::seconds(i64::from(offset))).and_utc()
        }
    }
}

/// A zone's name for people: `America/New_York` → "New York".
pub fn zone_label(zone: Tz) -> String {
    zone.name()
        .rsplit('/')
        .next()
        .unwrap_or(zone.name())
        .replace('_', " ")
}

/// Every IANA zone name this build knows (chrono-tz's tzdata), for a zone picker.
pub fn zone_names() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect()
}

/// Parses an IANA zone name; errors name the field `timezone`.
pub fn parse_zone(name: &str) -> Result<Tz, DomainError> {
    name.trim().parse::<Tz>().map_err(|_| {
        DomainError::argument("timezone", format!("\"{name}\" is not an IANA time zone"))
    })
}

const LOCAL_UTC: rrule::Tz = rrule::Tz::UTC;

fn naive(dt: NaiveDateTime) -> DateTime<rrule::Tz> {
    dt.and_utc().with_timezone(&LOCAL_UTC)
}

impl Schedule {
    /// A schedule from the form; errors name the field.
    pub fn new(
        rule: &RuleForm,
        start_date: NaiveDate,
        time_of_day: NaiveTime,
        zone: Tz,
    ) -> Result<Schedule, DomainError> {
        Ok(Schedule {
            rule: rule.normalized(start_date)?,
            start_date,
            time_of_day,
            zone,
        })
    }

    /// UNTIL as stored: the end date at 23:59:59 in the series' zone, in UTC; for a cut
    /// series, the cut occurrence's instant minus one second.
    pub fn until_utc(&self) -> Option<DateTime<Utc>> {
        match self.rule.end {
            End::Until { date } => Some(resolve(self.zone, date.and_hms_opt(23, 59, 59)?)),
            End::Cut { at, .. } => Some(at - Duration::seconds(1)),
            _ => None,
        }
    }

    /// The `RRULE` value to store and export.
    pub fn rrule_text(&self) -> String {
        self.rule.rrule_text(self.until_utc())
    }

    /// The rule in local naive time, from DTSTART (start date at the time of day).
    fn local_rule(&self) -> Result<rrule::RRuleSet, DomainError> {
        let freq = match self.rule.frequency {
            Frequency::Daily => rrule::Frequency::Daily,
            Frequency::Weekly | Frequency::Biweekly => rrule::Frequency::Weekly,
            Frequency::Monthly => rrule::Frequency::Monthly,
        };
        let mut r: RRule<rrule::Unvalidated> = RRule::new(freq).week_start(chrono::Weekday::Mon);
        if self.rule.frequency == Frequency::Biweekly {
            r = r.interval(2);
        }
        if !self.rule.days.is_empty() {
            r = r.by_weekday(self.rule.days.iter().map(|d| NWeekday::Every(*d)).collect());
        }
        match self.rule.monthly {
            Some(MonthlyDay::Day { day }) => r = r.by_month_day(vec![day as i8]),
            Some(MonthlyDay::Weekday { nth, weekday }) => {
                r = r.by_weekday(vec![NWeekday::Nth(i16::from(nth), weekday)])
            }
            None => {}
        }
        match self.rule.end {
            End::Count { count } => r = r.count(count),
            End::Until { date } => {
                if let Some(end) = date.and_hms_opt(23, 59, 59) {
                    r = r.until(naive(end));
                }
            }
            // One occurrence per local date: "before the one on `date`" is "through the day
            // before", in local time.
            End::Cut { date, .. } => {
                r = r.until(naive(
                    date.and_time(self.time_of_day) - Duration::seconds(1),
                ));
            }
            End::Never => {}
        }
        r.build(naive(self.start_date.and_time(self.time_of_day)))
            .map_err(|e| DomainError::argument("rrule", e.to_string()))
    }

    /// Occurrences whose instant lies in `[from, to]`, at most `limit`, in order. A slice of
    /// the one expansion from the original start, so COUNT, the weekday and the biweekly
    /// week never restart. Pass `from` no earlier than now to never create one in the past.
    pub fn between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u16,
    ) -> Result<Vec<Occurrence>, DomainError> {
        if to < from {
            return Ok(Vec::new());
        }
        // Local bounds a day wider than the instants (no zone is more than 14 hours off).
        let local_from = from.naive_utc() - Duration::days(1);
        let local_to = to.naive_utc() + Duration::days(1);
        let dates = self
            .local_rule()?
            .after(naive(local_from))
            .before(naive(local_to))
            .all(u16::MAX)
            .dates;
        Ok(dates
            .into_iter()
            .map(|d| self.occurrence(d))
            .filter(|o| o.at >= from && o.at <= to)
            .take(usize::from(limit))
            .collect())
    }

    /// The occurrence on an expanded local date (carried as UTC by the local rule).
    fn occurrence(&self, local: DateTime<rrule::Tz>) -> Occurrence {
        let local_date = local.naive_utc().date();
        Occurrence {
            local_date,
            at: resolve(self.zone, local_date.and_time(self.time_of_day)),
        }
    }

    /// Every occurrence of a series that ends (COUNT or UNTIL), at most `limit`.
    pub fn all(&self, limit: u16) -> Result<Vec<Occurrence>, DomainError> {
        let dates = self.local_rule()?.all(limit).dates;
        Ok(dates.into_iter().map(|d| self.occurrence(d)).collect())
    }

    /// "every 2 weeks on Monday at 19:00 (New York time)", with the end and, for days 29 to
    /// 31, that months without that day are skipped.
    pub fn describe(&self) -> String {
        let days = |days: &[chrono::Weekday]| -> String {
            let names: Vec<String> = days.iter().map(|d| weekday_name(*d).to_string()).collect();
            match names.as_slice() {
                [] => String::new(),
                [one] => one.clone(),
                [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
            }
        };
        let mut text = match self.rule.frequency {
            Frequency::Daily if self.rule.days.is_empty() => "every day".to_string(),
            Frequency::Daily => format!("every {}", days(&self.rule.days)),
            Frequency::Weekly => format!("every week on {}", days(&self.rule.days)),
            Frequency::Biweekly => format!("every 2 weeks on {}", days(&self.rule.days)),
            Frequency::Monthly => match self.rule.monthly {
                Some(MonthlyDay::Day { day }) => format!("every month on day {day}"),
                Some(MonthlyDay::Weekday { nth, weekday }) => format!(
                    "every month on the {} {}",
                    match nth {
                        1 => "first",
                        2 => "second",
                        3 => "third",
                        4 => "fourth",
                        _ => "last",
                    },
                    weekday_name(weekday)
                ),
                None => "every month".to_string(),
            },
        };
        text.push_str(&format!(
            " at {} ({} time)",
            self.time_of_day.format("%H:%M"),
            zone_label(self.zone)
        ));
        match self.rule.end {
            End::Count { count } => text.push_str(&format!(", {count} times")),
            End::Until { date } => text.push_str(&format!(", until {}", date.format("%-d %B %Y"))),
            End::Cut { date, .. } => text.push_str(&format!(
                ", until {}",
                date.pred_opt().unwrap_or(date).format("%-d %B %Y")
            )),
            End::Never => {}
        }
        if let Some(MonthlyDay::Day { day }) = self.rule.monthly {
            if day >= 29 {
                text.push_str(&format!("; months without a day {day} are skipped"));
            }
        }
        text
    }
}

fn weekday_name(day: chrono::Weekday) -> &'static str {
    match day.num_days_from_monday() {
        0 => "Monday",
        1 => "Tuesday",
        2 => "Wednesday",
        3 => "Thursday",
        4 => "Friday",
        5 => "Saturday",
        _ => "Sunday",
    }
}

#[cfg(test)]
mod tests;
