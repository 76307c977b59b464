"""The independent side of crates/domain/tests/series_vs_dateutil.rs and of
`wp-bench series`: python-dateutil's rrule with zoneinfo expands the same rules. Reads one
JSON case per line on stdin: {"rrule", "dtstart": "YYYY-MM-DDTHH:MM" (local), "zone",
"from", "to"} (epoch seconds, inclusive). Writes the tzdata version zoneinfo loads, then
one JSON list of epoch seconds per case. With --bench, reads every case first, then writes
one JSON object: the lists and the seconds the expansion took (parsing the rules included).
Epoch seconds, not datetimes, are compared: in Python a time in a gap or fold compares
unequal to its own UTC value (PEP 495)."""
import json
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import tzdata
from dateutil.rrule import rrulestr


def expand(case):
    start = datetime.fromisoformat(case["dtstart"]).replace(tzinfo=ZoneInfo(case["zone"]))
    out = []
    for occurrence in rrulestr(case["rrule"], dtstart=start):
        epoch = int(occurrence.timestamp())
        if epoch > case["to"]:
            break
        if epoch >= case["from"]:
            out.append(epoch)
    return out


print(json.dumps(tzdata.IANA_VERSION), flush=True)
if sys.argv[1:] == ["--bench"]:
    cases = [json.loads(line) for line in sys.stdin]
    began = time.perf_counter()
    results = [expand(case) for case in cases]
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "results": results}), flush=True)
else:
    for line in sys.stdin:
        print(json.dumps(expand(json.loads(line))), flush=True)
