#!/usr/bin/env python3
"""report_check.py DIR TRUTH.json PROTOCOL — check a pylontop service report
against the simulator's truth file (tests/integration/report.sh).

Both report.md and report.html are parsed into tables per section (the
module headings) and checked the same way: every lifetime counter, every
per-cell SOH count, every event-log entry equal to the truth, non-zero
protection counts marked, barcodes in rack order; raw/ holds the answers.
The HTML must also parse strictly (every element closed in order, no
external reference).  Prints one line per failure; exit 1 on any."""
import html.parser
import json
import os
import re
import sys

LV_LABELS = {"charge_times": "Charge Times", "coc": "COC Times", "doc": "DOC Times",
             "sc": "SC Times", "bov": "Bat OV Times", "bhv": "Bat HV Times",
             "blv": "Bat LV Times", "buv": "Bat UV Times", "cot": "COT Times",
             "dot": "DOT Times", "cut": "CUT Times", "dut": "DUT Times",
             "shutdowns": "Shut Times", "reset": "Reset Times", "soh_pct": "SOH",
             "mystery": "Mystery@1C Cnt", "cycles": "CYCLE Times"}
HV_LABELS = dict(LV_LABELS, cot="Bat OT Times", dot="Board OT Times", cut="Bat UT Times",
                 dut="Board UT Times", soh_pct="SOH Percent")
PROTECTION = {"coc", "doc", "sc", "bov", "bhv", "blv", "buv", "cot", "dot", "cut", "dut",
              "shutdowns"}
VOID = {"meta", "br", "hr", "img", "link", "input", "col", "wbr"}

errors = []


def err(msg):
    errors.append(msg)


class Html(html.parser.HTMLParser):
    """Tables by section (h2 id), strict nesting, no external reference."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.sections, self.cur = [], {}, "top"
        self.row, self.cell, self.in_h2 = None, None, False
        self.doctype = False
        self.h2_text = {}

    def handle_decl(self, decl):
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href"):
            if k in a:
                err(f"html: <{tag} {k}=...> refers outside the file")
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "h2":
            self.cur = a.get("id", "h2")
            self.sections.setdefault(self.cur, [])
            self.in_h2 = True
            self.h2_text[self.cur] = ""
        elif tag == "tr":
            self.row = {"cells": [], "mark": a.get("class") == "mark"}
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            err(f"html: </{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()
        if tag == "h2":
            self.in_h2 = False
        elif tag in ("td", "th") and self.row is not None:
            self.row["cells"].append(self.cell)
            self.cell = None
        elif tag == "tr":
            self.sections.setdefault(self.cur, []).append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.in_h2:
            self.h2_text[self.cur] += data


def md_unescape(s):
    return re.sub(r"\\(.)", r"\1", s)


def parse_md(text):
    """Tables by section: '## Module N - ...' / '## Controller'."""
    sections, cur = {}, "top"
    titles = {}
    for line in text.splitlines():
        m = re.match(r"^## (Module (\d+)|Controller)", line)
        if m:
            cur = f"unit-{m.group(2) or 0}"
            titles[cur] = md_unescape(line[3:])
            continue
        if line.startswith("## "):
            cur = "rack" if line.startswith("## Modules in rack order") else "other"
            continue
        if not line.startswith("|") or line.startswith("| ---"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        mark = cells and cells[-1].endswith(" (!)")
        if mark:
            cells[-1] = cells[-1][:-4]
        sections.setdefault(cur, []).append(
            {"cells": [md_unescape(c) for c in cells], "mark": bool(mark)})
    return sections, titles


def check_unit(fmt, rows, uid, rec, log, labels):
    """Counters, SOH counts and the log of one unit against the truth."""
    table = {}
    for r in rows:
        if len(r["cells"]) == 2:
            table.setdefault(r["cells"][0], r)
    for key, label in labels.items():
        want = str(rec[key])
        r = table.get(label)
        if r is None or r["cells"][1] != want:
            err(f"{fmt}: unit {uid}: counter {label!r} is "
                f"{r['cells'][1] if r else 'missing'}, truth {want}")
        elif key in PROTECTION and (rec[key] > 0) != r["mark"]:
            err(f"{fmt}: unit {uid}: {label} = {want} is {'not ' if rec[key] else ''}marked")
    cells = [r["cells"] for r in rows if len(r["cells"]) == 6 and r["cells"][0].isdigit()]
    got = [int(c[4]) if c[4] != "-" else None for c in cells]
    if got[:len(rec["soh_counts"])] != rec["soh_counts"]:
        err(f"{fmt}: unit {uid}: SOH counts {got} differ from the truth {rec['soh_counts']}")
    if log is not None:
        ev = [r["cells"] for r in rows if len(r["cells"]) == 5 and r["cells"][0].isdigit()]
        want = [[str(e["index"]), e["time"], e["module"], e["code"], e["text"]] for e in log]
        if ev != want:
            err(f"{fmt}: unit {uid}: event log differs from the truth "
                f"({len(ev)} rows, truth {len(want)}; first {ev[:1]} vs {want[:1]})")


def main():
    d, truth_path, proto = sys.argv[1], sys.argv[2], sys.argv[3]
    truth = json.load(open(truth_path))
    md_text = open(os.path.join(d, "report.md"), encoding="utf-8").read()
    html_text = open(os.path.join(d, "report.html"), encoding="utf-8").read()
    p = Html()
    p.feed(html_text)
    p.close()
    if not p.doctype:
        err("html: no <!DOCTYPE html>")
    if p.stack:
        err(f"html: unclosed elements {p.stack}")
    if re.search(r"(src|href)\s*=|@import|url\(", html_text):
        err("html: an external reference (src=, href=, @import or url())")
    md_sections, md_titles = parse_md(md_text)
    formats = {"md": (md_sections, md_titles), "html": (p.sections, p.h2_text)}
    for fmt, (sec, titles) in formats.items():
        rack = [r["cells"] for r in sec.get("rack", [])
                if len(r["cells"]) == 5 and r["cells"][0] != "Position"]
        mods = {str(m["id"]): m["barcode"] for m in truth["modules"]}
        rack_mods = [(c[0].split(" ")[0], c[1]) for c in rack if c[0] != "controller"]
        if [x[0] for x in rack_mods] != sorted(mods, key=int) or \
                any(mods[i] != b for i, b in rack_mods):
            err(f"{fmt}: the rack table {rack_mods} is not the truth's modules in order")
        if proto == "lv":
            for m in truth["modules"]:
                uid = f"unit-{m['id']}"
                if uid not in sec:
                    err(f"{fmt}: no section for module {m['id']}")
                    continue
                check_unit(fmt, sec[uid], m["id"], m["records"],
                           truth["log"] if m["id"] == 1 else None, LV_LABELS)
        else:
            if "unit-0" not in sec:
                err(f"{fmt}: no controller section")
            else:
                check_unit(fmt, sec["unit-0"], 0, truth["controller_records"], truth["log"],
                           HV_LABELS)
            for m in truth["modules"]:
                if m["barcode"] not in titles.get(f"unit-{m['id']}", ""):
                    err(f"{fmt}: module {m['id']}'s heading does not name {m['barcode']}")
    raw = os.path.join(d, "raw")
    names = sorted(os.listdir(raw)) if os.path.isdir(raw) else []
    if proto == "lv":
        for m in truth["modules"]:
            f = os.path.join(raw, f"module-{m['id']:02d}_stat_{m['id']}.txt")
            if not os.path.exists(f) or \
                    not re.search(rf"CYCLE Times\s*:\s*{m['records']['cycles']}\b", open(f).read()):
                err(f"raw: {f} missing or without the truth's CYCLE Times")
        logf = os.path.join(raw, "module-01_log.txt")
    else:
        logf = os.path.join(raw, "controller_log.txt")
    if not os.path.exists(logf) or \
            any(e["text"] not in open(logf).read() for e in truth["log"]):
        err(f"raw: {logf} missing or without every log entry (raw/: {names})")
    for e in errors:
        print("report_check:", e)
    return 1 if errors else 0


sys.exit(main())
