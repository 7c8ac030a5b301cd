#!/usr/bin/env python3
"""tests/soak/check.py DIR LANE... -- the verdict of a soak run (soak.sh).

Per lane, from DIR/LANE.csv, DIR/LANE.err, DIR/LANE.truth (the
simulator's --state-log: the state of every answer it sent, with its time)
and DIR/resources.log:
  rows      CSV rows written == samples pylontop counted (its summary line)
  malformed rows whose field count differs from their header's: 0
  untrue    module values (voltage, current, temperature, SOC, every cell's
            voltage and temperature) not equal to those of any answer the
            simulator sent in [row time - WINDOW_S, row time + 2 s) (the
            row's time is whole seconds): 0.  An empty field (unknown) is
            never untrue; an old value shown as current is.
  mqtt      the same for every module state published, matched to the
            simulator's module by the barcode in its topic: 0 untrue
  growth    RSS, fds, threads from the moment the history is full (600
            samples at -i 1) to the end; when the run was shorter, over its
            second half (reported, not judged).
Prints the figures; exit 1 when a check fails.
  check.py --csv-only DIR LANE   rows, malformed and untrue of the CSV only."""
import csv, json, re, sys, calendar, time

import os
# A sample's values were read within its poll cycle: at -i 1 with a 3 s
# answer timeout, a value older than this is an old value shown as new.
WINDOW_S = float(os.environ.get("SOAK_WINDOW_S", "6"))
HISTORY_FULL_S = 600  # HIST_RING samples at one per second
RSS_SLACK_KB = 512    # allocator noise

def load_truth(path):
    """[(t_ms, {(module, field): text})] in time order, one entry per
    answer: the simulator's --state-log, where it appended the state each
    answer was made of before sending it ("=": the same state as the line
    before, answered again)."""
    out = []
    vals = None
    with open(path) as f:
        for line in f:
            t, _, js = line.rstrip("\n").partition("\t")
            if js == "=":
                if vals is not None:
                    out.append((int(t), vals))
                continue
            try:
                st = json.loads(js)
            except ValueError:
                continue
            vals = {}
            for m in st.get("modules", []):
                mid = m["id"]
                vals[(mid, "voltage_V")] = "%.3f" % m["voltage"]
                vals[(mid, "current_A")] = "%.3f" % m["current"]
                vals[(mid, "temperature_C")] = "%.1f" % m["temperature"]
                vals[(mid, "soc_pct")] = "%.0f" % m["soc"]
                vals[(mid, "barcode")] = m["barcode"].lower()
                for c, cell in enumerate(m.get("cells", []), 1):
                    vals[(mid, "c%02d_V" % c)] = "%.3f" % cell["voltage"]
                    vals[(mid, "c%02d_C" % c)] = "%.1f" % cell["temperature"]
            out.append((int(t), vals))
    out.sort(key=lambda x: x[0])
    return out

def between(truth, lo, hi):
    """The distinct states answered with in [lo, hi] (ms)."""
    seen, out = set(), []
    for tt, v in truth:
        if lo <= tt <= hi and id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out

COL = re.compile(r"^m(\d+)_(voltage_V|current_A|temperature_C|soc_pct|c\d+_[VC])$")

def same(a, b, tol=1e-9):
    try:
        return abs(float(a) - float(b)) < tol
    except ValueError:
        return a == b

def true_then(lane, key, val, v, mqtt=False):
    """Is `val` what the simulator had for `key` in the snapshot v?  RS485
    (Pylontech) carries the current in 100 mA and temperatures by sensor
    group, not per cell: a cell temperature is true when it is one of its
    module's cell temperatures."""
    # MQTT rounds the current as the field table says (3 decimals, as
    # JSON and CSV: src/model/sample_fields.c); half a unit of it.
    rounding = 0.0005 if mqtt and key[1] == "current_A" else 0
    if lane == "rs485" and key[1] == "current_A":
        return key in v and same(v[key], val, 0.1 + rounding + 1e-9)
    if rounding:
        return key in v and same(v[key], val, rounding + 1e-9)
    if lane == "rs485" and key[1].endswith("_C") and key[1].startswith("c"):
        return any(k[0] == key[0] and k[1].endswith("_C") and same(x, val)
                   for k, x in v.items())
    return key in v and same(v[key], val)

def check_lane(d, lane):
    failed = False
    err = open("%s/%s.err" % (d, lane), errors="replace").read()
    m = re.findall(r"pylontop: (\d+) samples;", err)
    samples = int(m[-1]) if m else None
    truth = load_truth("%s/%s.truth" % (d, lane))
    rows = malformed = untrue = checked = unknown = 0
    # Module n of the CSV is the n-th module of the truth, in order: the
    # RS485 session numbers packs by address (2, 3...), the simulator's
    # state from 1.  Identity by position; which barcode is where is
    # checked by the integration tests.
    ids = sorted({k[0] for _, v in truth for k in v})
    csv_ids = None
    examples = []
    header = None
    with open("%s/%s.csv" % (d, lane), newline="", errors="replace") as f:
        for rec in csv.reader(f):
            if rec and rec[0] == "time":
                header = rec
                csv_ids = sorted({int(mm.group(1)) for mm in map(COL.match, rec) if mm})
                continue
            rows += 1
            if header is None or len(rec) != len(header):
                malformed += 1
                continue
            t = calendar.timegm(time.strptime(rec[0], "%Y-%m-%dT%H:%M:%SZ")) * 1000
            window = between(truth, t - WINDOW_S * 1000, t + 1999)
            row = dict(zip(header, rec))
            for name, val in zip(header, rec):
                mm = COL.match(name)
                if not mm:
                    continue
                if val == "":
                    unknown += 1
                    continue
                n = csv_ids.index(int(mm.group(1)))
                key = (ids[n] if n < len(ids) else -1, mm.group(2))
                checked += 1
                win = window
                # A cell carried from an earlier cycle says how old it is
                # (mNN_cells_age_s): it must be true at that time, give or
                # take the row's one-second resolution and a poll.
                age = row.get("m%s_cells_age_s" % mm.group(1), "")
                # RS485: a pack's voltage, current and cells come from one
                # 0x42 reply, so its cells' age is the age of them all.
                if (re.match(r"c\d", mm.group(2)) or lane == "rs485") and \
                        age not in ("", "0.0", "0"):
                    at = t - float(age) * 1000
                    win = between(truth, at - 3000, at + 1999)
                if not any(true_then(lane, key, val, v) for v in win):
                    untrue += 1
                    if len(examples) < 5:
                        seen = sorted({v[key] for v in window if key in v})
                        examples.append("%s %s=%s, truth then %s" % (rec[0], name, val,
                                        ",".join(seen[:6]) or "none recorded"))
    print("%s: samples %s, CSV rows %d, malformed %d, values checked %d (unknown %d), "
          "not in the truth %d" % (lane, samples, rows, malformed, checked, unknown, untrue))
    for e in examples:
        print("  untrue: " + e)
    if samples is None:
        print("  FAIL: no summary line from pylontop (did it end cleanly?)")
        failed = True
    elif rows != samples:
        print("  FAIL: %d samples but %d CSV rows" % (samples, rows))
        failed = True
    if malformed or untrue or rows == 0:
        failed = True
    return failed

MQTT_FIELDS = (("voltage", "voltage_V"), ("current", "current_A"),
               ("temperature", "temperature_C"), ("soc", "soc_pct"))

def check_mqtt(d, lane):
    """The module states published for the lane: each value true, in its
    `time` window, for the module whose barcode names the topic (so a
    barcode shown with another module's values is untrue too)."""
    truth = load_truth("%s/%s.truth" % (d, lane))
    prefix = "soak/%s/module/" % lane
    msgs = checked = untrue = 0
    examples = []
    try:
        lines = open("%s/mqtt.log" % d, errors="replace").read().splitlines()
    except OSError:
        lines = []
    # A module known by its barcode has it in its topic; one whose barcode
    # is not known (yet) is named by the stack and position: match it by
    # the rank of its id, as the CSV.
    ids = sorted({k[0] for _, v in truth for k in v})
    pub_ids = set()
    for line in lines:
        if line.startswith(prefix) and '"id":' in line:
            m = re.search(r'"id":(\d+)', line)
            pub_ids.add(int(m.group(1)))
    pub_ids = sorted(pub_ids)
    for line in lines:
        topic, _, payload = line.partition(" ")
        if not (topic.startswith(prefix) and topic.endswith("/state")):
            continue
        msgs += 1
        name_id = topic[len(prefix):-len("/state")]
        barcode = name_id.split("_", 1)[-1] if name_id.startswith("pylontech_") else None
        try:
            st = json.loads(payload)
            t = calendar.timegm(time.strptime(st["time"], "%Y-%m-%dT%H:%M:%SZ")) * 1000
        except (ValueError, KeyError):
            untrue += 1
            examples.append("not a state: " + line[:120])
            continue
        window = between(truth, t - WINDOW_S * 1000, t + 1999)
        # A state that says how old its cells are (cells_age, seconds) is
        # judged at that age: cells, and for RS485 the whole pack reading.
        age = st.get("cells_age")
        if isinstance(age, (int, float)) and age > 0:
            at = t - age * 1000
            aged = between(truth, at - 3000, at + 1999)
        else:
            aged = window
        pairs = [(k, f) for k, f in MQTT_FIELDS]
        pairs += [("cell_voltages", "c%02d_V"), ("cell_temperatures", "c%02d_C")]
        for jk, field in pairs:
            vals = st.get(jk)
            if vals is None:
                continue
            items = list(enumerate(vals, 1)) if isinstance(vals, list) else [(0, vals)]
            for i, val in items:
                if val is None:
                    continue
                name = field % i if i else field
                checked += 1
                ok = False
                use = aged if (jk.startswith("cell_") or lane == "rs485") else window
                for v in use:
                    if barcode is not None:
                        mids = [k[0] for k, x in v.items() if k[1] == "barcode" and x == barcode]
                    else:
                        n = pub_ids.index(st.get("id", -1)) if st.get("id") in pub_ids else 99
                        mids = [ids[n]] if n < len(ids) else []
                    if mids and true_then(lane, (mids[0], name), str(val), v, True):
                        ok = True
                        break
                if not ok:
                    untrue += 1
                    if len(examples) < 5:
                        examples.append("%s %s %s=%s" % (st["time"], name_id, name, val))
    print("%s mqtt: %d module states, values checked %d, not in the truth %d" % (
        lane, msgs, checked, untrue))
    for e in examples:
        print("  untrue: " + e)
    return untrue > 0 or msgs == 0

def check_resources(d, lanes):
    failed = False
    res = {}
    with open("%s/resources.log" % d) as f:
        for line in f:
            p = line.split()
            if len(p) == 5 and p[2].isdigit():
                res.setdefault(p[1], []).append((int(p[0]), int(p[2]), int(p[3]), int(p[4])))
    for lane in lanes:
        r = res.get(lane, [])
        if len(r) < 4:
            print("%s: too few resource samples" % lane)
            continue
        t0 = r[0][0]
        full = [x for x in r if x[0] - t0 >= HISTORY_FULL_S * 1000]
        judged = len(full) >= 4
        base = full[0] if judged else r[len(r) // 2]
        end = r[-1]
        peak = max(x[1] for x in r)
        print("%s: RSS %d kB at %s, %d kB at the end (peak %d kB); fds %d -> %d; threads %d -> %d%s" % (
            lane, base[1], "history full" if judged else "half-time", end[1], peak,
            base[2], end[2], base[3], end[3],
            "" if judged else " (history not full: not judged)"))
        if judged and (end[1] > base[1] + RSS_SLACK_KB or end[2] > base[2] or end[3] > base[3]):
            print("  FAIL: growth after the history was full")
            failed = True
    return failed

def main():
    if sys.argv[1] == "--csv-only":
        # The CSV of one lane against its truth (tests/integration):
        # rows, malformed rows and untrue values, without MQTT or resources.
        failed = check_lane(sys.argv[2], sys.argv[3])
        print("soak: %s" % ("FAIL" if failed else "PASS"))
        return 1 if failed else 0
    d, lanes = sys.argv[1], sys.argv[2:]
    failed = False
    for lane in lanes:
        failed |= check_lane(d, lane)
        failed |= check_mqtt(d, lane)
    failed |= check_resources(d, lanes)
    print("soak: %s" % ("FAIL" if failed else "PASS"))
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
