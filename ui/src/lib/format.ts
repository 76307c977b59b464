import { preferences } from './preferences.svelte';
import type { StepStatus } from './bindings/StepStatus';
import type { WorkshopStatus } from './bindings/WorkshopStatus';

export const STEP_STATUS_LABEL: Record<StepStatus, string> = {
  not_started: 'Not started',
  in_progress: 'In progress',
  complete: 'Complete',
  needs_regeneration: 'Needs regeneration',
};

export const WORKSHOP_STATUS_LABEL: Record<WorkshopStatus, string> = {
  draft: 'Draft',
  active: 'Active',
  paused: 'Paused',
  completed: 'Completed',
};

/** "3 Nov 2026, 14:05" (or "2:05 PM") in the user's locale and clock format. */
export function when(iso: string): string {
  return format(undefined, { day: 'numeric', month: 'short', year: 'numeric', ...clockOptions() }).format(new Date(iso));
}

/** 50000 → "50,000". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Characters as the core counts them: Unicode scalar values, not UTF-16 units. */
export function chars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** A note's most characters, the core's (`wp_domain::limits::NOTE_MAX_CHARS`). */
export { NOTE_MAX_CHARS as NOTE_MAX } from './bindings/limits';
/** The counter turns to a warning from here. */
export const NOTE_WARN = 45_000;

// ---- Sessions and series: dates and times in the user's zone and in a series' zone. ----

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const WEEKDAY_NAME: Record<Weekday, string> = {
  Mon: 'Monday',
  Tue: 'Tuesday',
  Wed: 'Wednesday',
  Thu: 'Thursday',
  Fri: 'Friday',
  Sat: 'Saturday',
  Sun: 'Sunday',
};

/** The user's own IANA zone, as the system sets it. */
export function userZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** `America/New_York` → "New York" (as the core's `zone_label`). */
export function zoneLabel(zone: string): string {
  return (zone.split('/').pop() ?? zone).replaceAll('_', ' ');
}

const formats = new Map<string, Intl.DateTimeFormat>();
/** One cached formatter per locale, zone and options (they are costly to make). */
function format(zone: string | undefined, options: Intl.DateTimeFormatOptions, locale?: string): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${zone ?? ''}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...options, timeZone: zone });
    formats.set(key, f);
  }
  return f;
}

function instant(at: string | Date | number): Date {
  return at instanceof Date ? at : new Date(at);
}

/** "YYYY-MM-DD": the instant's date in `zone` (the user's when absent). */
export function dateIn(at: string | Date | number, zone?: string): string {
  const parts = format(zone, { year: 'numeric', month: '2-digit', day: '2-digit' }, 'en-US').formatToParts(instant(at));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** How every time of day is shown: the locale's own clock, 24-hour ("19:00") or 12-hour
 * ("7:00 PM") as the system sets it, unless Preferences chose one. */
const localeTwelveHour = ['h11', 'h12'].includes(new Intl.DateTimeFormat(undefined, { hour: 'numeric' }).resolvedOptions().hourCycle ?? '');
/** "7:05 PM" on a 12-hour clock; "19:05" and "00:05" (two digits) on a 24-hour one. Read
 * from the preference on each call, so a view that formats a time follows a change. */
function clockOptions(): Intl.DateTimeFormatOptions {
  const twelve = preferences.clock === 'system' ? localeTwelveHour : preferences.clock === '12';
  return twelve ? { hour: 'numeric', minute: '2-digit', hourCycle: 'h12' } : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
}

/** "19:00" or "7:00 PM": the instant's time of day in `zone` (the user's when absent), in
 * the user's clock format. */
export function clock(at: string | Date | number, zone?: string): string {
  return format(zone, clockOptions()).format(instant(at));
}

/** "19:00", always 24-hour: a time field's value (`<input>` and the core take "HH:MM"). */
export function timeValue(at: string | Date | number, zone?: string): string {
  return format(zone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }, 'en-GB').format(instant(at));
}

/** "EST", "CET", or "GMT+9" where no locale has a name for it: the zone at that instant
 * (so New York reads "EDT" in July and "EST" in December). The user's locale names the
 * zones of its own country only (British English gives New York as "GMT-5"), so where it
 * gives an offset, the names American and British English know are tried before it. */
export function zoneAbbr(at: string | Date | number, zone?: string): string {
  const name = (locale?: string) =>
    format(zone, { hour: 'numeric', timeZoneName: 'short' }, locale)
      .formatToParts(instant(at))
      .find((p) => p.type === 'timeZoneName')?.value;
  const offset = /^(GMT|UTC)[+−-]/;
  const own = name();
  if (own && !offset.test(own)) return own;
  for (const locale of ['en-US', 'en-GB']) {
    const known = name(locale);
    if (known && !offset.test(known)) return known;
  }
  return own ?? zoneLabel(zone ?? userZone());
}

/** Whether this engine knows the IANA zone `zone`. */
export function knownZone(zone: string): boolean {
  try {
    format(zone, { hour: 'numeric' });
    return true;
  } catch {
    return false;
  }
}

/** A session's time as shown: its `day` ("Tue 15 Dec") and `time` with the zone
 * ("19:00–20:30 EST") in the zone shown first, and the same start in the other zone when
 * its wall clock differs (`other`: "Wed 09:00 your time (+1 day)"). The series' zone comes
 * first unless `first` is `'mine'`; a single session, or a zone this engine does not know,
 * shows the user's zone alone. */
export interface SessionTime {
  day: string;
  time: string;
  other: string | null;
}

export function sessionTime(
  at: string,
  durationMinutes: number,
  seriesZone?: string | null,
  first: 'series' | 'mine' = 'series',
  seriesLabel?: string | null,
): SessionTime {
  const mine = userZone();
  const theirs = seriesZone && knownZone(seriesZone) ? seriesZone : mine;
  const [shown, second] = first === 'series' ? [theirs, mine] : [mine, theirs];
  const start = instant(at);
  const end = new Date(start.getTime() + durationMinutes * 60_000);
  const time = `${clock(start, shown)}–${clock(end, shown)} ${zoneAbbr(start, shown)}`;
  let other: string | null = null;
  if (`${dateIn(start, shown)} ${clock(start, shown)}` !== `${dateIn(start, second)} ${clock(start, second)}`) {
    const shift = dayNumber(dateIn(start, second)) - dayNumber(dateIn(start, shown));
    const label = second === mine ? 'your time' : `${seriesLabel ?? zoneLabel(second)} time`;
    const days = shift === 0 ? '' : ` (${shift > 0 ? '+' : '−'}${Math.abs(shift)} day${Math.abs(shift) === 1 ? '' : 's'})`;
    other = `${format(second, { weekday: 'short' }).format(start)} ${clock(start, second)} ${label}${days}`;
  }
  return { day: sessionDay(start, shown), time, other };
}

/** Days since 1970-01-01 of a "YYYY-MM-DD" day. */
function dayNumber(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
}

/** "Mon 3 Nov" (with the year when it is not this year) in `zone`. */
export function sessionDay(at: string | Date | number, zone?: string): string {
  const d = instant(at);
  const thisYear = dateIn(Date.now(), zone).slice(0, 4) === dateIn(d, zone).slice(0, 4);
  return format(zone, { weekday: 'short', day: 'numeric', month: 'short', ...(thisYear ? {} : { year: 'numeric' }) }).format(d);
}

/** "Mon 3 Nov, 19:00 EST" in `zone` (the user's when absent), with the zone. */
export function sessionWhen(at: string | Date | number, zone?: string): string {
  return `${sessionDay(at, zone)}, ${clock(at, zone)} ${zoneAbbr(at, zone)}`;
}

/** The instant as a series' zone sees it, when that differs from the user's wall clock:
 * "19:00 New York time", "Mon 19:00 New York time" when the day differs too; else null. */
export function zoneTime(at: string, zone: string | null, label?: string | null): string | null {
  if (!zone || !knownZone(zone)) return null; // A zone this engine does not know: the user's time only.
  const mine = `${dateIn(at)} ${clock(at)}`;
  const theirs = `${dateIn(at, zone)} ${clock(at, zone)}`;
  if (mine === theirs) return null;
  const day = dateIn(at) === dateIn(at, zone) ? '' : `${format(zone, { weekday: 'short' }).format(new Date(at))} `;
  return `${day}${clock(at, zone)} ${label ?? zoneLabel(zone)} time`;
}

/** "Today", "Tomorrow", or "Monday 3 November" (with the year when not this year) for a
 * "YYYY-MM-DD" day in the user's zone. */
export function dayHeading(day: string): string {
  const today = dateIn(Date.now());
  if (day === today) return 'Today';
  if (day === addDays(today, 1)) return 'Tomorrow';
  const [y, m, d] = day.split('-').map(Number);
  const noon = new Date(Date.UTC(y, m - 1, d, 12));
  const year = day.slice(0, 4) === today.slice(0, 4) ? {} : { year: 'numeric' as const };
  return format('UTC', { weekday: 'long', day: 'numeric', month: 'long', ...year }).format(noon);
}

/** "YYYY-MM-DD" plus `n` days. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Whether "YYYY-MM-DD" is a real date. */
export function isDay(day: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return false;
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return date.toISOString().slice(0, 10) === day;
}

/** "9:05" or "09:05" → "09:05"; null when it is not a time of day. */
export function timeOfDay(text: string): string | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m || +m[1] > 23 || +m[2] > 59) return null;
  return `${m[1].padStart(2, '0')}:${m[2]}`;
}

/** The weekday of a "YYYY-MM-DD" day. */
export function weekdayOf(day: string): Weekday {
  const [y, m, d] = day.split('-').map(Number);
  return WEEKDAYS[(new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7];
}

/** A date and time on the user's wall clock ("YYYY-MM-DD", "HH:MM") as an ISO UTC instant. */
export function localInstant(day: string, time: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const [h, min] = time.split(':').map(Number);
  return new Date(y, m - 1, d, h, min).toISOString();
}

/** 45 → "45 min", 90 → "1 h 30 min", 120 → "2 h". */
export function minutes(n: number): string {
  const h = Math.floor(n / 60);
  const m = n % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "3 Mar 2026" in the user's zone: the date in a session's default title (as the core
 * writes it, but on the user's calendar rather than UTC's). */
export function titleDate(at: string): string {
  const [y, m, d] = dateIn(at).split('-').map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}
