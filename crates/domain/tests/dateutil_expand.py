"""The independent side of crates/domain/tests/series_vs_dateutil.rs: python-dateutil's rrule
with zoneinfo expands the same rules. Reads one JSON case per line on stdin:
{"rrule", "dtstart": "YYYY-MM-DDTHH:MM" (local), "zone", "from", "to"} (epoch seconds,
inclusive); writes one JSON list of epoch seconds per line. The first line written is the
tzdata version zoneinfo loads. Epoch seconds, not datetimes, are compared: in Python a time
in a gap or fold compares unequal to its own UTC value (PEP 495)."""
import json
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import tzdata
from dateutil.rrule import rrulestr

print(json.dumps(tzdata.IANA_VERSION), flush=True)
for line in sys.stdin:
    case = json.loads(line)
    start = datetime.fromisoformat(case["dtstart"]).replace(tzinfo=ZoneInfo(case["zone"]))
    rule = rrulestr(case["rrule"], dtstart=start)
    out = []
    for occurrence in rule:
        epoch = int(occurrence.timestamp())
        if epoch > case["to"]:
            break
        if epoch >= case["from"]:
            out.append(epoch)
    print(json.dumps(out), flush=True)
