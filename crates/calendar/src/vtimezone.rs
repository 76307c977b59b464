//! The VTIMEZONE component for a series' zone (RFC 5545 §3.6.5), computed from chrono-tz's
//! tzdata, and the content-line writing it needs (§3.1: CRLF, folding at 75 octets).
//!
//! Written by hand because the `icalendar` crate (0.17) has no VTIMEZONE: its only
//! component with sub-components is a hidden, parser-made `Other`, and its component writer
//! adds a `DTSTAMP` and a random `UID` to every component, which STANDARD and DAYLIGHT must
//! not have. The block is spliced into the calendar the crate writes (see `lib.rs`).
//!
//! The zone's transitions are found by scanning its offset with chrono-tz every six hours
//! and bisecting each change to the second. Each transition becomes one STANDARD or DAYLIGHT
//! observance with its own DTSTART (the transition's local time in the offset before it),
//! TZOFFSETFROM, TZOFFSETTO and TZNAME: no RRULE, so no rule of thumb about "the second
//! Sunday" can be wrong for a zone that changes at midnight (Santiago, Havana), by 30
//! minutes (Lord Howe) or not at all (Kolkata).

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// How far the scan steps; a zone never changes twice within it.
const STEP: Duration = Duration::hours(6);

/// What a zone observes at an instant: the total offset from UTC in seconds, whether it is
/// daylight time, and its abbreviation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    offset: i32,
    daylight: bool,
    name: Option<String>,
}

impl State {
    fn at(zone: Tz, at: DateTime<Utc>) -> State {
        let offset = zone.offset_from_utc_datetime(&at.naive_utc());
        State {
            offset: offset.fix().local_minus_utc(),
            daylight: !offset.dst_offset().is_zero(),
            name: offset.abbreviation().map(str::to_string),
        }
    }

    /// A transition is a change of offset or of standard/daylight, not of name alone.
    fn same_observance(&self, other: &State) -> bool {
        self.offset == other.offset && self.daylight == other.daylight
    }
}

/// One STANDARD or DAYLIGHT sub-component.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observance {
    /// The local time it starts, in the offset before it (`from`).
    start: NaiveDateTime,
    from: i32,
    to: State,
}

/// The instants in `(from, to]` at which `zone` starts a new observance, in order.
fn transitions(zone: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let mut found = Vec::new();
    let mut lo = from;
    let mut lo_state = State::at(zone, lo);
    while lo < to {
        let hi = (lo + STEP).min(to);
        let hi_state = State::at(zone, hi);
        if !hi_state.same_observance(&lo_state) {
            // Bisect to the second: `a` keeps the old observance, `b` has the new one.
            let (mut a, mut b) = (lo, hi);
            while b - a > Duration::seconds(1) {
                let mid = a + Duration::seconds((b - a).num_seconds() / 2);
                if State::at(zone, mid).same_observance(&lo_state) {
                    a = mid;
                } else {
                    b = mid;
                }
            }
            found.push(b);
        }
        lo = hi;
        lo_state = hi_state;
    }
    found
}

/// The observances that describe `zone` from before `from` through `to`: the one in effect
/// at `from` (starting at its real transition when that lies within a year before `from`,
/// else at the local midnight a year before, with equal TZOFFSETFROM and TZOFFSETTO), then
/// one per transition up to `to`.
fn observances(zone: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Observance> {
    let scan_start = from - Duration::days(366);
    let all = transitions(zone, scan_start, to);
    let before = all.iter().rposition(|t| *t <= from);
    let observance = |t: DateTime<Utc>| {
        let from_offset = State::at(zone, t - Duration::seconds(1)).offset;
        Observance {
            start: t.naive_utc() + Duration::seconds(i64::from(from_offset)),
            from: from_offset,
            to: State::at(zone, t),
        }
    };
    let mut out = Vec::new();
    let rest = match before {
        Some(i) => &all[i..],
        None => {
            let state = State::at(zone, scan_start);
            let local = scan_start.naive_utc() + Duration::seconds(i64::from(state.offset));
            out.push(Observance {
                start: local.date().and_hms_opt(0, 0, 0).unwrap_or(local),
                from: state.offset,
                to: state,
            });
            &all[..]
        }
    };
    out.extend(rest.iter().map(|t| observance(*t)));
    out
}

/// `±HHMM`, or `±HHMMSS` when the offset has seconds (RFC 5545 §3.3.14).
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// The VTIMEZONE block for `zone`, named `tzid`, valid for every instant in `[from, to]`:
/// content lines folded and ended with CRLF.
pub(crate) fn vtimezone(zone: Tz, tzid: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VTIMEZONE");
    line(&mut out, &format!("TZID:{}", escape_text(tzid)));
    for o in observances(zone, from, to) {
        let kind = if o.to.daylight {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        line(&mut out, &format!("BEGIN:{kind}"));
        line(
            &mut out,
            &format!("DTSTART:{}", o.start.format("%Y%m%dT%H%M%S")),
        );
        line(&mut out, &format!("TZOFFSETFROM:{}", utc_offset(o.from)));
        line(&mut out, &format!("TZOFFSETTO:{}", utc_offset(o.to.offset)));
        if let Some(name) = &o.to.name {
            line(&mut out, &format!("TZNAME:{}", escape_text(name)));
        }
        line(&mut out, &format!("END:{kind}"));
    }
    line(&mut out, "END:VTIMEZONE");
    out
}

/// RFC 5545 §3.3.11 TEXT escaping: backslash, semicolon, comma, newline.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded (§3.1): at most 75 octets a line, never splitting a
/// UTF-8 character, each continuation starting with one space; CRLF after each.
fn line(out: &mut String, content: &str) {
    let mut rest = content;
    let mut limit = 75;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        limit = 74;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn new_york_2025_has_its_two_changes_to_the_second() {
        let zone: Tz = "America/New_York".parse().unwrap();
        let found = transitions(
            zone,
            utc("2025-01-01T00:00:00Z"),
            utc("2026-01-01T00:00:00Z"),
        );
        assert_eq!(
            found,
            [utc("2025-03-09T07:00:00Z"), utc("2025-11-02T06:00:00Z")]
        );
        let text = vtimezone(
            zone,
            "America/New_York",
            utc("2025-02-16T07:30:00Z"),
            utc("2025-12-01T00:00:00Z"),
        );
        assert!(text.contains(
            "BEGIN:DAYLIGHT\r\nDTSTART:20250309T020000\r\nTZOFFSETFROM:-0500\r\n\
             TZOFFSETTO:-0400\r\nTZNAME:EDT\r\nEND:DAYLIGHT\r\n"
        ));
        // The observance in effect at the start begins at its real transition.
        assert!(text.contains("DTSTART:20241103T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500"));
    }

    #[test]
    fn lord_howe_santiago_and_kolkata() {
        let lord_howe: Tz = "Australia/Lord_Howe".parse().unwrap();
        let text = vtimezone(
            lord_howe,
            "Australia/Lord_Howe",
            utc("2025-09-01T00:00:00Z"),
            utc("2025-12-01T00:00:00Z"),
        );
        assert!(text.contains("DTSTART:20251005T020000\r\nTZOFFSETFROM:+1030\r\nTZOFFSETTO:+1100"));
        // Santiago springs forward at midnight: 00:00 -04 becomes 01:00 -03.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let text = vtimezone(
            santiago,
            "America/Santiago",
            utc("2025-08-01T00:00:00Z"),
            utc("2025-10-01T00:00:00Z"),
        );
        assert!(text.contains("DTSTART:20250907T000000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0300"));
        // No change at all: one STANDARD observance.
        let kolkata: Tz = "Asia/Kolkata".parse().unwrap();
        let text = vtimezone(
            kolkata,
            "Asia/Kolkata",
            utc("2025-08-01T00:00:00Z"),
            utc("2027-10-01T00:00:00Z"),
        );
        assert_eq!(text.matches("BEGIN:STANDARD").count(), 1);
        assert!(!text.contains("DAYLIGHT"));
        assert!(text.contains("TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530"));
    }

    #[test]
    fn folding_keeps_characters_whole() {
        let mut out = String::new();
        let content = format!("TZNAME:{}", "é".repeat(100));
        line(&mut out, &content);
        for l in out.split_terminator("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        assert_eq!(out.replace("\r\n ", "").trim_end(), content);
    }

    #[test]
    fn offsets_with_seconds() {
        assert_eq!(utc_offset(-4 * 3600), "-0400");
        assert_eq!(utc_offset(37800), "+1030");
        assert_eq!(utc_offset(-(3600 + 30 * 60 + 5)), "-013005");
        assert_eq!(utc_offset(0), "+0000");
    }
}
