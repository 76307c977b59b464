"""The independent side of crates/calendar/tests/ics_vs_python.rs: the PyPI `icalendar`
parser with `recurring-ical-events` reads the exported calendar files and expands them.

Reads one JSON case per line on stdin: {"ics": the file's text, "from", "to"} (epoch
seconds, inclusive). Writes the tzdata version zoneinfo loads, then per case one JSON
object: {"tz": the module and class of the tzinfo the first VEVENT's DTSTART got,
"events": [[start epoch, duration seconds, summary, status, description], ...] in
order} or
{"error": text}. Epoch seconds, not datetimes, are compared: in Python a time in a gap or
fold compares unequal to its own UTC value (PEP 495).

A TZID that is not an IANA name makes icalendar build the zone from the file's VTIMEZONE
(dateutil's tzical) and cache it under that name for the process: the cache is reset before
each case, so two files with the same custom name never share a zone."""
import json
import sys
import traceback
from datetime import datetime, timezone

import icalendar
import recurring_ical_events
import tzdata
from icalendar.timezone import tzp


def expand(case):
    tzp.use_zoneinfo()  # a fresh provider: forgets the zones earlier files defined
    cal = icalendar.Calendar.from_ical(case["ics"])
    first = next(iter(cal.walk("VEVENT")))
    tzinfo = first.start.tzinfo
    begin = datetime.fromtimestamp(case["from"], timezone.utc)
    end = datetime.fromtimestamp(case["to"] + 1, timezone.utc)
    events = []
    for event in recurring_ical_events.of(cal).between(begin, end):
        start = int(event.start.timestamp())
        if start > case["to"]:
            continue
        events.append(
            [
                start,
                int((event.end - event.start).total_seconds()),
                str(event.get("SUMMARY", "")),
                str(event.get("STATUS", "")),
                str(event.get("DESCRIPTION", "")),
            ]
        )
    events.sort()
    return {
        "tz": f"{type(tzinfo).__module__}.{type(tzinfo).__name__}",
        "events": events,
    }


print(json.dumps(tzdata.IANA_VERSION), flush=True)
for line in sys.stdin:
    try:
        result = expand(json.loads(line))
    except Exception:  # reported to the Rust side, which fails naming the case
        result = {"error": traceback.format_exc()}
    print(json.dumps(result), flush=True)
