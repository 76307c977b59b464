//! `session` and `series`: schedule a workshop's live sessions and recurring series offline
//! (each change a scheduling mutation that syncs), list them, cancel them, export `.ics`.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use clap::{Args, Subcommand, ValueEnum};
use wp_domain::mutation::{SeriesForm, SessionForm};
use wp_domain::series::{parse_zone, resolve, End, Frequency, MonthlyDay, RuleForm};
use wp_domain::{SeriesRecord, SessionRecord};
use wp_store::{CalendarTarget, Store};

use crate::print::json_out;
use crate::{resolve as workshop_id, Failure};

/// How many sessions `session list` shows without a workshop (the Agenda): 200.
const AGENDA_LIMIT: u32 = 200;

#[derive(Subcommand)]
pub enum SessionCommand {
    /// Schedule a single session (at least 15 minutes from now).
    Create {
        workshop: String,
        /// When: `2026-03-04T19:00` in --zone (default UTC), or RFC 3339 with an offset.
        #[arg(long)]
        at: String,
        /// IANA time zone of --at when it has no offset, e.g. Europe/London.
        #[arg(long)]
        zone: Option<String>,
        /// 15 to 480 minutes.
        #[arg(long, default_value_t = 60)]
        duration: u32,
        /// 3 to 200 characters [default: the workshop's title and the date].
        #[arg(long)]
        title: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
        /// 2 to 500 people [default: no limit].
        #[arg(long)]
        capacity: Option<u32>,
        #[arg(long)]
        private: bool,
    },
    /// List a workshop's sessions, or without one the Agenda: upcoming sessions everywhere.
    List { workshop: Option<String> },
    /// Cancel one session; it is kept, cancelled.
    Cancel { workshop: String, session: String },
    /// Take a session's cancellation back (undo): scheduled again at its time.
    Restore { workshop: String, session: String },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Every {
    Daily,
    Weekly,
    Biweekly,
    Monthly,
}

#[derive(Args)]
pub struct SeriesArgs {
    /// Title, 3 to 200 characters.
    #[arg(long)]
    title: String,
    #[arg(long, default_value = "")]
    description: String,
    #[arg(long, value_enum)]
    every: Every,
    /// Days of the week for daily, weekly or biweekly: `mon,thu`.
    #[arg(long, value_delimiter = ',')]
    days: Vec<Weekday>,
    /// Monthly on this day of the month (1 to 31; months without it are skipped).
    #[arg(long, conflicts_with_all = ["nth", "weekday"])]
    month_day: Option<u8>,
    /// Monthly on the nth (1 to 4, or -1 for the last) --weekday.
    #[arg(long, requires = "weekday", allow_hyphen_values = true)]
    nth: Option<i8>,
    #[arg(long, requires = "nth")]
    weekday: Option<Weekday>,
    /// First day (YYYY-MM-DD), in --zone.
    #[arg(long)]
    start: NaiveDate,
    /// Time of day (HH:MM), in --zone.
    #[arg(long)]
    time: String,
    /// IANA time zone, e.g. America/New_York.
    #[arg(long)]
    zone: String,
    /// 15 to 480 minutes.
    #[arg(long, default_value_t = 60)]
    duration: u32,
    /// End after this many sessions (1 to 52).
    #[arg(long, conflicts_with = "until")]
    count: Option<u32>,
    /// End on this date (inclusive, in --zone).
    #[arg(long)]
    until: Option<NaiveDate>,
    #[arg(long)]
    private: bool,
}

#[derive(Subcommand)]
pub enum SeriesCommand {
    /// Create a recurring series and its sessions for the next 90 days.
    Create {
        workshop: String,
        #[command(flatten)]
        series: SeriesArgs,
    },
    /// List a workshop's series with their rule in words.
    List { workshop: String },
    /// Cancel a series from one of its sessions on (this one and all that follow), or
    /// without --from, the whole series from now on.
    Cancel {
        workshop: String,
        series: String,
        #[arg(long)]
        from: Option<String>,
    },
    /// Write a series' calendar file (.ics, RFC 5545) for other calendar apps, atomically.
    Ics {
        workshop: String,
        series: String,
        /// A file, or an existing directory to write `{title}.ics` into.
        #[arg(long)]
        out: PathBuf,
    },
}

fn time_of_day(text: &str) -> Result<NaiveTime, Failure> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .map_err(|_| Failure::Input(format!("--time \"{text}\" is not HH:MM")))
}

/// `--at` as an instant: RFC 3339 with its offset, or a local time in `zone` (UTC without).
fn instant(at: &str, zone: Option<&str>) -> Result<DateTime<Utc>, Failure> {
    if let Ok(t) = DateTime::parse_from_rfc3339(at) {
        return Ok(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M"))
        .map_err(|_| {
            Failure::Input(format!(
                "--at \"{at}\" is neither YYYY-MM-DDTHH:MM nor RFC 3339"
            ))
        })?;
    let zone = parse_zone(zone.unwrap_or("UTC")).map_err(wp_store::StoreError::from)?;
    Ok(resolve(zone, local))
}

fn series_form(a: SeriesArgs) -> Result<SeriesForm, Failure> {
    let monthly = match (a.month_day, a.nth, a.weekday) {
        (Some(day), _, _) => Some(MonthlyDay::Day { day }),
        (None, Some(nth), Some(weekday)) => Some(MonthlyDay::Weekday { nth, weekday }),
        _ => None,
    };
    let end = match (a.count, a.until) {
        (Some(count), _) => End::Count { count },
        (None, Some(date)) => End::Until { date },
        _ => End::Never,
    };
    Ok(SeriesForm {
        title: a.title,
        description: a.description,
        rule: RuleForm {
            frequency: match a.every {
                Every::Daily => Frequency::Daily,
                Every::Weekly => Frequency::Weekly,
                Every::Biweekly => Frequency::Biweekly,
                Every::Monthly => Frequency::Monthly,
            },
            days: a.days,
            monthly,
            end,
        },
        start_date: a.start,
        time_of_day: time_of_day(&a.time)?,
        timezone: a.zone,
        duration_minutes: a.duration,
        is_private: a.private,
    })
}

fn session_line(s: &SessionRecord) {
    println!(
        "{}  {:>9}  {:>3} min  {}  ({})",
        s.scheduled_at.format("%Y-%m-%d %H:%M UTC"),
        s.status.as_str(),
        s.duration_minutes,
        s.title,
        s.id
    );
}

fn series_line(s: &SeriesRecord, description: &str) {
    let state = if s.is_active { "" } else { "  [ended]" };
    println!(
        "{}  ({}){state}\n  {description}\n  RRULE:{}",
        s.title, s.id, s.rrule
    );
}

pub fn session(store: &mut Store, command: SessionCommand, json: bool) -> Result<(), Failure> {
    match command {
        SessionCommand::Create {
            workshop,
            at,
            zone,
            duration,
            title,
            description,
            capacity,
            private,
        } => {
            let id = workshop_id(store, &workshop)?;
            let form = SessionForm {
                title,
                description,
                scheduled_at: instant(&at, zone.as_deref())?,
                duration_minutes: duration,
                is_private: private,
                max_capacity: capacity,
            };
            let made = store.create_session(&id, form)?;
            if json {
                json_out(&made);
                return Ok(());
            }
            print!("Scheduled  ");
            session_line(&made);
        }
        SessionCommand::List { workshop: None } => {
            store.roll_series()?;
            let agenda = store.agenda(AGENDA_LIMIT)?;
            if json {
                json_out(&agenda);
                return Ok(());
            }
            for item in &agenda {
                print!("{}  ·  ", item.workshop_title);
                session_line(&item.session);
            }
        }
        SessionCommand::List {
            workshop: Some(workshop),
        } => {
            let id = workshop_id(store, &workshop)?;
            store.roll_series()?;
            let schedule = store.schedule(&id)?;
            if json {
                json_out(&schedule.sessions);
                return Ok(());
            }
            schedule.sessions.iter().for_each(session_line);
        }
        SessionCommand::Cancel { workshop, session } => {
            let id = workshop_id(store, &workshop)?;
            let cancelled = store.cancel_session(&id, &session)?;
            if json {
                json_out(&cancelled);
                return Ok(());
            }
            print!("Cancelled  ");
            session_line(&cancelled);
        }
        SessionCommand::Restore { workshop, session } => {
            let id = workshop_id(store, &workshop)?;
            let restored = store.restore_session(&id, &session)?;
            if json {
                json_out(&restored);
                return Ok(());
            }
            print!("Restored  ");
            session_line(&restored);
        }
    }
    Ok(())
}

pub fn series(store: &mut Store, command: SeriesCommand, json: bool) -> Result<(), Failure> {
    match command {
        SeriesCommand::Create { workshop, series } => {
            let id = workshop_id(store, &workshop)?;
            let made = store.create_series(&id, series_form(series)?)?;
            let (_, sessions) = store.series_with_sessions(&made.id)?;
            if json {
                json_out(&serde_json::json!({ "series": made, "sessions": sessions }));
                return Ok(());
            }
            let item = store.schedule(&id)?;
            let description = item
                .series
                .iter()
                .find(|s| s.series.id == made.id)
                .map(|s| s.description.clone())
                .unwrap_or_default();
            series_line(&made, &description);
            println!("  {} sessions in the next 90 days", sessions.len());
        }
        SeriesCommand::List { workshop } => {
            let id = workshop_id(store, &workshop)?;
            store.roll_series()?;
            let schedule = store.schedule(&id)?;
            if json {
                json_out(&schedule.series);
                return Ok(());
            }
            for item in &schedule.series {
                series_line(&item.series, &item.description);
            }
        }
        SeriesCommand::Cancel {
            workshop,
            series,
            from,
        } => {
            let id = workshop_id(store, &workshop)?;
            let cut = store.cancel_series(&id, &series, from.as_deref())?;
            if json {
                json_out(&cut);
                return Ok(());
            }
            let description = wp_domain::mutation::schedule_of(&cut)
                .map(|s| s.describe())
                .unwrap_or_default();
            series_line(&cut, &description);
        }
        SeriesCommand::Ics {
            workshop,
            series,
            out,
        } => {
            let id = workshop_id(store, &workshop)?;
            let exported = store.export_calendar(&id, &CalendarTarget::Series(series), &out)?;
            crate::print::exported(&exported, json);
        }
    }
    Ok(())
}
