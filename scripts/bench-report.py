#!/usr/bin/env python3
"""Regenerates docs/benchmarks.md from ONE scripts/bench.sh results directory.

usage: python3 scripts/bench-report.py RESULTS_DIR [--output FILE] [--notes DIR]

  RESULTS_DIR   a directory written by scripts/bench.sh, e.g. benchmarks/results/1a2b3c4/
  --output      the page to write (default: docs/benchmarks.md of this checkout; "-" = stdout)
  --notes       the engineers' notes to link (default: benchmarks/notes/ of this checkout)

Every figure on the page comes from RESULTS_DIR (its RESULT lines and summaries); the method
text is this script's template. Files other scripts wrote into RESULTS_DIR (bench-fleet.sh's
fleet-zipf.txt, vthreads-check.sh's vthreads.txt, anything else *.txt) are included when
present. Python 3 standard library only.
"""

import argparse
import datetime
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Files bench.sh itself writes, in page order; any other *.txt is shown as "other results".
OWN_FILES = ["environment.txt", "kmw-sweep.txt", "throughput.txt", "miss.txt",
             "single-flight.txt", "heap.txt", "fleet.txt", "hooks.txt", "jmh.txt"]
HOOK_FILES = ["fleet-zipf.txt", "vthreads.txt"]
ALL_SECTIONS = ["sweep", "throughput", "miss", "single-flight", "heap", "fleet", "fleet-zipf", "vthreads", "jmh"]
MAX_BLOCK_LINES = 80

TARGET_LABELS = {
    "bare": "test webapp `--no-filter` (bare)",
    "control": "bare + the identity headers sent by wrk (control)",
    "filter": "test webapp + filter",
    "kmw": "keystonemiddleware (uWSGI)",
    "filter-j25": "test webapp + filter, Java 25",
    "filter-j25-vt": "test webapp + filter, Java 25, virtual threads",
}


class Results:
    """The text and RESULT lines of every *.txt file of one results directory."""

    def __init__(self, directory):
        self.dir = directory
        self.text = {}
        self.results = {}
        for name in sorted(os.listdir(directory)):
            if not name.endswith(".txt"):
                continue
            with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
            self.text[name] = [line for line in lines if not line.startswith("RESULT ")]
            self.results[name] = [parse_result(line) for line in lines if line.startswith("RESULT ")]

    def has(self, name):
        return name in self.text

    def rows(self, name, **match):
        """RESULT lines of file NAME whose fields equal MATCH."""
        return [r for r in self.results.get(name, [])
                if all(r.get(k) == v for k, v in match.items())]

    def row(self, name, **match):
        rows = self.rows(name, **match)
        return rows[0] if rows else None


def parse_result(line):
    fields = {}
    words = line.split()[1:]
    for i, word in enumerate(words):
        if "=" in word:
            key, value = word.split("=", 1)
            fields[key] = value
        else:
            fields.setdefault("_words", []).append(word)
    return fields


def num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def fmt_int(value):
    v = num(value)
    return "?" if v is None else "{:,.0f}".format(v)


def fmt(value, digits=2):
    v = num(value)
    return "?" if v is None else "{:,.{}f}".format(v, digits)


def ms(us, digits=2):
    v = num(us)
    return "?" if v is None else "{:.{}f} ms".format(v / 1000.0, digits)


def block(lines, limit=MAX_BLOCK_LINES):
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) > limit:
        lines = lines[:limit] + ["... ({} more lines in the results file)".format(len(lines) - limit)]
    return "```\n" + "\n".join(lines) + "\n```\n"


def generic_table(rows):
    """A Markdown table of RESULT lines: the union of their keys as columns."""
    if not rows:
        return ""
    keys = []
    for r in rows:
        for k in r:
            if k != "_words" and k not in keys:
                keys.append(k)
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        out.append("| " + " | ".join(r.get(k, "") for k in keys) + " |")
    return "\n".join(out) + "\n"


def verdict(ok):
    if ok is None:
        return "not measured in this run"
    return "**met**" if ok else "**not met**"


class Page:
    def __init__(self, res, output, notes_dir):
        self.r = res
        self.out_dir = os.path.dirname(os.path.abspath(output)) if output != "-" else os.path.join(ROOT, "docs")
        self.notes_dir = notes_dir
        self.parts = []

    def link(self, path):
        return os.path.relpath(path, self.out_dir).replace(os.sep, "/")

    def add(self, text=""):
        self.parts.append(text)

    # ------------------------------------------------------------------ the page
    def render(self):
        env = next((x for x in self.r.results.get("environment.txt", []) if "commit" in x), {})
        end = next((x for x in self.r.results.get("environment.txt", []) if "run_duration_s" in x), {})
        commit = env.get("commit", "?")
        name = os.path.basename(os.path.normpath(self.r.dir))
        env_text = {}
        for line in self.r.text.get("environment.txt", []):
            if ": " in line:
                k, v = line.split(": ", 1)
                env_text.setdefault(k, v)
        self.add("# Benchmarks\n")
        self.add("<!-- Generated by scripts/bench-report.py from {}; do not edit: run scripts/bench.sh,"
                 " or the generator on a results directory. -->\n".format(self.link(self.r.dir)))
        self.add("Every figure on this page comes from **one run of `scripts/bench.sh` at commit `{}`**"
                 " ({} UTC), on {} cores ({}), 127.0.0.1 only. The run's summaries and chart are in"
                 " [{}]({}/); figures of earlier runs are in the git history of this page, not here."
                 .format(commit, env_text.get("date", env.get("date", "?")).replace("T", " ").rstrip("Z"),
                         env.get("cores", "?"), env_text.get("cores", "?").split("; ", 1)[-1],
                         "benchmarks/results/" + name, self.link(self.r.dir)))
        self.add("")
        warnings = []
        if env.get("dirty") == "1":
            warnings.append("the worktree had **uncommitted changes** (results directory `{}`)".format(name))
        if env.get("quick") == "1":
            warnings.append("this was a **`--quick` development run** (short rounds, fewer tokens)")
        if env.get("jars") == "prebuilt":
            warnings.append("the jars were **not rebuilt** for this run ({})".format(env_text.get("jars", "?")))
        if end.get("failures", "0") != "0":
            warnings.append("the run **failed** ({} failed checks)".format(end.get("failures")))
        sections = env_text.get("sections", "")
        if sections and sections != ",".join(ALL_SECTIONS):
            missing = [x for x in ALL_SECTIONS if x not in sections.split(",")]
            warnings.append("only these sections ran: {} (not: {})".format(sections, ", ".join(missing)))
        if warnings:
            self.add("\n>\n".join("> **Warning:** {}.".format(w) for w in warnings))
            self.add("")
        duration = num(end.get("run_duration_s"))
        self.add("Java: {}{}. wrk: {}. Load average at the start: {}; at the end: {}. The whole run took {}."
                 .format(env_text.get("java", "?"),
                         "; Java 25: " + env_text["java 25"] if "java 25" in env_text else "",
                         env_text.get("wrk", "?"), env_text.get("load average at start", "?"),
                         env_text.get("load average at end", "?"),
                         "{:.0f} min {:.0f} s".format(duration // 60, duration % 60) if duration is not None else "?"))
        self.add("")
        self.add(HOW_TO_RUN)
        self.goals()
        self.throughput()
        self.sweep()
        self.miss()
        self.single_flight()
        self.heap()
        self.fleet()
        self.hooks()
        self.jmh()
        self.others()
        self.notes()
        self.add(METHOD)
        return "\n".join(self.parts).rstrip() + "\n"

    # ------------------------------------------------------------------ goals
    def goals(self):
        r = self.r
        rows = []
        ratios = r.row("throughput.txt", _words=["ratios"]) or {}
        fc = num(ratios.get("filter_control"))
        rows.append(("cache hits: filter ÷ control (the bare app sent the same identity headers), wrk",
                     "≥ 0.97", fmt(ratios.get("filter_control")) if fc is not None else "—",
                     verdict(None if fc is None else fc >= 0.97)))
        if "filter_kmw" in ratios:
            rows.append(("cache hits: filter ÷ keystonemiddleware; bare ÷ keystonemiddleware (its best"
                         " processes × threads, {} × {}), same run".format(ratios.get("kmw_processes"),
                                                                         ratios.get("kmw_threads")),
                         "reported", "{}; {}".format(fmt(ratios.get("filter_kmw")), fmt(ratios.get("bare_kmw"))),
                         "—"))
        hit = self.jmh_row("CacheHitBenchmark.doFilterHit")
        if hit:
            rows.append(("cache hit, filter CPU and allocation (JMH `CacheHitBenchmark.doFilterHit`)",
                         "toward 0 B/op beyond the container's",
                         "{} ns/op, {} B/op".format(self.ns(hit), fmt_int(hit.get("alloc_b_op"))),
                         "reported (see [hit notes](#notes))"))
        warm = r.row("miss.txt", variant="warm")
        cold = r.row("miss.txt", variant="cold")
        if warm:
            share = num(warm.get("delta_p50_us")) - num(warm.get("hop_p50_us"))
            rows.append(("warm miss: the filter's own share, p50 (miss − direct validation − client-to-webapp hop)",
                         "≤ 0.3 ms", "{} ({} − {} − {}; median of paired differences − hop: {})".format(
                             ms(share), ms(warm.get("filter_p50_us")), ms(warm.get("direct_p50_us")),
                             ms(warm.get("hop_p50_us")),
                             ms(num(warm.get("paired_median_us")) - num(warm.get("hop_p50_us")))),
                         "below this method's resolution (the hop exceeds the difference): see the"
                         " [miss notes](#notes)" if share < 0 else verdict(share <= 300)))
        else:
            rows.append(("warm miss: the filter's own share, p50", "≤ 0.3 ms", "—", verdict(None)))
        if cold and warm:
            first = num(cold.get("first_delta_us"))
            rows.append(("cold: the first miss after start vs a warm one (miss − direct validation)",
                         "first ≤ warm p50", "first miss {} (first 10: median {}) vs warm {}".format(
                             ms(first), ms(cold.get("first10_paired_p50_us")), ms(warm.get("delta_p50_us"))),
                         verdict(first <= num(warm.get("delta_p50_us")))))
        heap = r.row("heap.txt")
        if heap and num(heap.get("bytes_per_identity")) is not None:
            b = num(heap["bytes_per_identity"])
            rows.append(("heap per cached identity, catalog off ({} tokens)".format(fmt_int(heap.get("tokens"))),
                         "≤ 1.2 KiB (1,229 B)", "{} B; 1,000,000 identities ≈ {:,.0f} MiB".format(
                             fmt_int(b), b * 1e6 / 2 ** 20), verdict(b <= 1.2 * 1024)))
        others = ["{} `{}={}`".format(f, k, v) for f in sorted(r.results) if f != "heap.txt"
                  for x in r.results[f] for k, v in x.items() if "per_identity" in k]
        if others:
            rows.append(("heap per cached identity, as other scripts of this run measured it",
                         "≤ 1.2 KiB (1,229 B)", "; ".join(others), "see the section of each file below"))
        sf = r.rows("single-flight.txt")
        if sf:
            vals = ["{}{}: {}".format(x.get("check"), "" if x.get("check") == "keystone" else
                                      " (cache " + x.get("cache", "?") + ")", x.get("validations")) for x in sf]
            ok = all(x.get("validations") == "1" for x in sf)
            rows.append(("single flight: Keystone validations for {} concurrent requests with one new token"
                         .format(fmt_int(sf[0].get("concurrency"))), "exactly 1 each",
                         "; ".join(vals), verdict(ok)))
        vt = r.rows("vthreads.txt")
        vt = [x for x in vt if "pinned_in_filter" in x]
        if vt:
            pins = sum(num(x["pinned_in_filter"]) or 0 for x in vt)
            rows.append(("virtual threads: carrier pinning in the filter (JFR `jdk.VirtualThreadPinned`)",
                         "0", "{:.0f} (all pinned events: {})".format(pins, ", ".join(
                             x.get("pinned_events", "?") for x in vt)), verdict(pins == 0)))
        self.add("## Goals and figures\n")
        self.add("| figure | goal | measured | verdict |")
        self.add("|---|---|---|---|")
        for row in rows:
            self.add("| " + " | ".join(row) + " |")
        self.add("")

    def jmh_row(self, name):
        return self.r.row("jmh.txt", benchmark=name)

    @staticmethod
    def ns(row):
        score = num(row.get("score"))
        unit = row.get("unit", "")
        if score is None:
            return "?"
        factor = {"us/op": 1000.0, "ns/op": 1.0, "ms/op": 1e6}.get(unit)
        return "{:,.0f}".format(score * factor) if factor else "{} {}".format(score, unit)

    # ------------------------------------------------------------------ sections
    def throughput(self):
        if not self.r.has("throughput.txt"):
            return
        self.add("## Cache-hit throughput\n")
        rows = [x for x in self.r.rows("throughput.txt") if "target" in x and "round" not in x]
        self.add("| target | requests/s | per round | p50 ms | p99 ms | errors |")
        self.add("|---|---:|---|---:|---:|---:|")
        ratios = self.r.row("throughput.txt", _words=["ratios"]) or {}
        for x in rows:
            label = TARGET_LABELS.get(x["target"], x["target"])
            if x["target"] == "kmw" and "kmw_processes" in ratios:
                label += ", {} processes × {} threads".format(ratios["kmw_processes"], ratios["kmw_threads"])
            self.add("| {} | {} | {} | {} | {} | {} |".format(
                label, fmt_int(x.get("rps")), x.get("per_round", "").replace("/", " / "),
                x.get("p50_ms"), x.get("p99_ms"), x.get("errors")))
        self.add("")
        parts = ["filter ÷ control **{}** (goal ≥ 0.97)".format(fmt(ratios.get("filter_control"))),
                 "filter ÷ bare **{}**".format(fmt(ratios.get("filter_bare")))]
        if "filter_kmw" in ratios:
            parts.append("filter ÷ keystonemiddleware **{}**".format(fmt(ratios.get("filter_kmw"))))
            parts.append("bare ÷ keystonemiddleware **{}**".format(fmt(ratios.get("bare_kmw"))))
        self.add("; ".join(parts) + ". The ratios are means over the rounds; compare them with the"
                 " per-round spread above.\n")
        if os.path.exists(os.path.join(self.r.dir, "benchmarks.png")):
            self.add("![cache-hit throughput]({}/benchmarks.png)\n".format(self.link(self.r.dir)))

    def sweep(self):
        if not self.r.has("kmw-sweep.txt"):
            return
        best = next((x for x in self.r.rows("kmw-sweep.txt") if "best_processes" in x), {})
        self.add("## keystonemiddleware: processes × threads\n")
        self.add("The peer's configuration measured above is the best of this sweep by requests/s"
                 " (configurations with errors are not eligible): **{} processes × {} threads**."
                 .format(best.get("best_processes", "?"), best.get("best_threads", "?")))
        self.add("")
        self.add(block(self.r.text["kmw-sweep.txt"]))

    def miss(self):
        if not self.r.has("miss.txt"):
            return
        self.add("## Miss latency\n")
        self.add("| variant | through the filter p50 | direct p50 | difference | paired p50 | hop p50 |"
                 " filter's share (difference − hop) | first miss − direct | first 10, paired p50 |")
        self.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        names = {"cold": "cold (a new JVM, from its first miss)", "warm": "warm (Java 17)",
                 "warm-j25-vt": "warm, Java 25, virtual threads"}
        for x in self.r.rows("miss.txt"):
            share = (num(x.get("delta_p50_us")) or 0) - (num(x.get("hop_p50_us")) or 0)
            self.add("| {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                names.get(x.get("variant"), x.get("variant")), ms(x.get("filter_p50_us")),
                ms(x.get("direct_p50_us")), ms(x.get("delta_p50_us")), ms(x.get("paired_median_us")),
                ms(x.get("hop_p50_us")), ms(share), ms(x.get("first_delta_us")),
                ms(x.get("first10_paired_p50_us"))))
        self.add("")
        warm = [x for x in self.r.rows("miss.txt") if "warm_up_validations" in x]
        if warm:
            self.add("Before a warm measurement the webapp validated one token over and over (cache off): "
                     + "; ".join("{} validations ({})".format(fmt_int(x["warm_up_validations"]),
                                                               x.get("variant")) for x in warm) + ".\n")

    def single_flight(self):
        if not self.r.has("single-flight.txt"):
            return
        self.add("## Single flight\n")
        self.add(block(self.r.text["single-flight.txt"]))

    def heap(self):
        if not self.r.has("heap.txt"):
            return
        self.add("## Heap per cached identity\n")
        self.add(block(self.r.text["heap.txt"]))

    def fleet(self):
        if not self.r.has("fleet.txt"):
            return
        self.add("## Two instances, one restarted: Keystone calls per token\n")
        self.add(block(self.r.text["fleet.txt"]))

    def hooks(self):
        hooks = {x.get("hook"): x for x in self.r.rows("hooks.txt")}
        for name, title, key in (("fleet-zipf.txt", "A fleet's workload (scripts/bench-fleet.sh)", "fleet-zipf"),
                                 ("vthreads.txt", "Virtual threads: pinning (scripts/vthreads-check.sh)", "vthreads")):
            h = hooks.get(key)
            if not self.r.has(name) and not h:
                continue
            self.add("## {}\n".format(title))
            if h and h.get("exit") != "0":
                self.add("> **`{}` exited with status {}** in this run.\n".format(h.get("script"), h.get("exit")))
            if key == "fleet-zipf":
                self.add(
                    "How to read it: with 100,000 tokens and Zipf s = 1.0, a large share of the"
                    " requests carries a token no cache has seen yet, so every target is bound by"
                    " Keystone (one uWSGI instance on SQLite, sharing the 2 cores with the load"
                    " generator and the webapps): requests/s follow Keystone's validations/s. The"
                    " targets run one after another against the same Keystone, whose own caches of"
                    " users, projects and roles can warm up during the run, so requests/s do not rank"
                    " the targets; Keystone calls per request do. The heap line counts the whole"
                    " webapp and only the identities this short run cached: the per-identity figure"
                    " is the Heap section's. Method: [fleet notes](#notes).\n")
            if self.r.has(name):
                text = [line for line in self.r.text[name] if line.strip()]
                if text:
                    self.add(block(text))
                self.add(generic_table(self.r.rows(name)))
            else:
                self.add("It wrote no `{}`.\n".format(name))

    def jmh(self):
        rows = self.r.rows("jmh.txt")
        if not rows:
            return
        self.add("## JMH: CPU and allocation per operation\n")
        self.add("| benchmark | time per op | error (99.9 %) | B/op |")
        self.add("|---|---:|---:|---:|")
        for x in rows:
            err = num(x.get("error"))
            self.add("| `{}` | {} {} | {} | {} |".format(
                x.get("benchmark"), fmt(x.get("score"), 3), x.get("unit"),
                "—" if err is None or err != err else "± " + fmt(err, 3),
                "—" if x.get("alloc_b_op") == "-1" else fmt_int(x.get("alloc_b_op"))))
        first = rows[0]
        self.add("\n{} fork(s), {} warm-up and {} measurement iterations per benchmark.\n".format(
            first.get("forks"), first.get("warmup_iterations"), first.get("measurement_iterations")))

    def others(self):
        known = set(OWN_FILES) | set(HOOK_FILES)
        for name in sorted(self.r.text):
            if name in known or name.endswith("-environment.txt"):
                continue  # a hook's own header (date, commit, Java): in the results directory
            self.add("## Other results: `{}`\n".format(name))
            text = [line for line in self.r.text[name] if line.strip()]
            if text:
                self.add(block(text))
            self.add(generic_table(self.r.rows(name)))

    def notes(self):
        self.add("## Notes\n")
        notes = []
        if os.path.isdir(self.notes_dir):
            for n in sorted(os.listdir(self.notes_dir)):
                if n.endswith(".md"):
                    path = os.path.join(self.notes_dir, n)
                    title = n
                    with open(path, encoding="utf-8") as f:
                        for line in f:
                            if line.startswith("# "):
                                title = line[2:].strip()
                                break
                    notes.append("- [{}]({}): {}".format(n, self.link(path), title))
        if notes:
            self.add("The engineers' notes: method details, profiles, what was changed and why. Their own"
                     " figures come from their development runs; the figures on this page come from the"
                     " run named at the top.\n")
            self.add("\n".join(notes) + "\n")
        else:
            self.add("No notes in benchmarks/notes/.\n")


HOW_TO_RUN = """## How to run

```bash
bash scripts/bench.sh                 # everything, ~20-25 min on 2 cores; builds the jars at this commit,
                                      # writes benchmarks/results/<commit>/ and regenerates this page
python3 scripts/bench-report.py benchmarks/results/<commit> --output docs/benchmarks.md   # the page only
bash scripts/bench.sh --quick --sections sweep,throughput --results /tmp/b   # a short partial run
```

`scripts/bench.sh --help` lists the options. When the worktree has uncommitted changes the results
directory is named `<commit>-dirty` and this page says so. When a single-flight check fails the run
exits with status 1 and does not regenerate this page.
"""

METHOD = """## Method

### Cache-hit throughput

wrk drives every target in turn with the same settings (`-t2 -c16`, one demo token issued by the
real Keystone in `X-Auth-Token`, `GET /bench`), on the same two cores as the servers:

1. **bare**: the test webapp `--no-filter` (Jetty 12 and an echo servlet that answers with every
   header it received);
2. **control**: the same JVM, with wrk also sending every identity header the filter injects, with
   the same values, so that the echo servlet does exactly the work it does behind the filter. The
   filter's own cost is filter ÷ control; filter ÷ bare also counts the app's work on ~20 more
   headers (a larger answer), which is not the filter's;
3. **filter**: the test webapp behind the filter with its defaults (cache 300 s, catalog on), as the
   peer;
4. **keystonemiddleware**: `auth_token` under uWSGI (`scripts/keystone.sh kmw-peer`: `http11-socket`
   with keep-alive, in-process cache of 300 s, catalog on), validating at the same Keystone, at the
   best processes × threads of the sweep;
5. when Java 25 is installed: the filter's webapp on Java 25, and on Java 25 with `--virtual-threads`
   (Jetty's virtual-thread executor) when the test webapp has that flag.

Every target must answer the token with 200 before it is measured, and wrk's error count (non-2xx
included) is shown. Each JVM first gets the warm-up load (20 s) so that its JIT has compiled the
path, keystonemiddleware and the control 5 s. The rounds then run the targets one after another,
round after round, and the table shows the mean and each round. All the targets' processes run
during the rounds; only the measured one gets load.

### The keystonemiddleware sweep

uWSGI's processes run Python with a global interpreter lock each; threads help only while a request
waits. On two cores shared with wrk the best configuration is not obvious, so the run tries every
processes × threads of {1, 2, 4} × {1, 2, 4, 8}: the peer is started with that configuration,
checked with the token, warmed for 3 s and measured for 5 s with the same wrk settings. The best
requests/s without errors is started again and measured in the rounds with the other targets, so
every ratio on this page compares figures from the same rounds.

### Miss latency

`MissLatency` (benchmarks module) issues fresh demo tokens first (`POST /v3/auth/tokens`). It then
alternates, one request at a time from one JDK HTTP client: a fresh token through the filter (`GET
/miss` on the test webapp), then another fresh token validated directly on the same Keystone (`GET
/v3/auth/tokens` with the service user's token, catalog included, as the filter does). Every token is
new to the filter and to Keystone, so both pay a full validation. It reports the p50s, the median of
the paired differences (which cancels the drift of a shared machine), and the cost of the extra hop
alone: the same client sending requests without a token to the same webapp (401 from the filter, no
Keystone call). The filter's own share of a miss is the difference minus the hop. Two limits of
this method, found when profiling the miss path ([benchmarks/notes/miss.md](../benchmarks/notes/miss.md)):
the hop is timed on the 401 path, which never reaches the servlet, so the app's own work on a
served request counts as the filter's; and the test Keystone (uWSGI) answers `Connection: close`,
so every validation, the filter's and the direct one alike, opens a new TCP connection, which the
filter pays on its request thread (about 0.4 ms of CPU there, against about 0.1 ms for the whole
miss with keep-alive).

- **cold**: a new webapp JVM; the measurement starts with its very first miss ("first miss −
  direct" is that pair's difference, "first 10" the median of the first ten pairs);
- **warm**: a webapp with `token_cache_time=-1`, after 20 s of misses with one token, then 10
  unmeasured pairs;
- **warm, Java 25, virtual threads**: the same as warm on Java 25 with `--virtual-threads`.

### Single flight

The test webapp runs with `--expose-endpoints`; Keystone's validations are counted as
`endpoints[0].answers` of `GET /_keystone/endpoints` before and after. `Burst` opens 1,000 keep-alive
connections (each with a request without a token: 401, no Keystone call), then sends 1,000 requests
at once with a token nobody has validated yet. In process, `SingleFlight` releases 1,000 threads
together through a latch against a fake Keystone that answers in 500 ms, with the cache on and then
off (`token_cache_time=-1`: only the sharing of the call in flight can keep the count at 1). Any count
other than 1, or a request that did not get 200, fails the run.

### Heap per cached identity

`HeapPerIdentity` runs in process: the fake Keystone issues the tokens (no catalog), each goes once
through the filter (`include_service_catalog=false`, a cache large enough for all), and the heap in
use after full GCs is read before, after, and once the filter is dropped; the fake Keystone and the
token strings exist in every reading and cancel out. JOL's walk of the cache's object graph is printed
next to it. A sample of the tokens is sent again and must cause no validation.

### Two instances and a restart

Two test webapps with the same settings; the script plays a round-robin load balancer with curl:
fresh tokens, each sent to both alternately several times, then the second webapp is restarted and
every token is sent to it once more. Keystone's validations come from each webapp's
`/_keystone/endpoints`. Run once without a shared cache and once with a real memcached
(`memcache_security_strategy=ENCRYPT`); "restart p50" is the median time of the restarted webapp's
first request per token.

### JMH

The benchmarks module's JMH suite with `-prof gc` (bytes allocated per operation): the filter called
directly with hand-written request and response stand-ins (no servlet container), its pieces, and the
miss path against the in-process fake Keystone. `CacheHitBenchmark`'s tear-down fails the run unless
Keystone saw exactly one validation, so every measured call was a hit.

### Noise

wrk shares the two cores with the server it measures, and the machine may run other work: the load
average at the start and end of the run is printed at the top. Two rounds of one target can differ
by 10-20 %; read the ratios with the per-round figures next to them.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results")
    ap.add_argument("--output", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    ap.add_argument("--notes", default=os.path.join(ROOT, "benchmarks", "notes"))
    args = ap.parse_args()
    if not os.path.isfile(os.path.join(args.results, "environment.txt")):
        sys.exit("bench-report.py: {} is not a scripts/bench.sh results directory (no environment.txt)"
                 .format(args.results))
    page = Page(Results(os.path.abspath(args.results)), args.output, os.path.abspath(args.notes)).render()
    if args.output == "-":
        sys.stdout.write(page)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(page)


if __name__ == "__main__":
    main()
