"""Peak memory of ``kg ingest`` over a long stream: does RSS grow with the article count?

    python bench/ingest_memory.py [--articles 1000 --articles 50000] [--jobs J]

For each count, writes a JSONL of that many short articles (4–7 sentences each, varied:
states, organisations and armed groups of the gazetteer in a few dozen sentence shapes
that the extraction rules act on, so every article is parsed and yields claims) and runs
the real ``kg ingest FILE --store TMP --jobs J`` as a subprocess. Its process tree is
sampled from /proc every half second: the ingest process's resident set over time and
its peak (``VmHWM``), and the peak of its extraction workers. If the streaming path is
flat, the peaks of a small and a large run are about the same and the ingest process's
RSS in the last quarter of a run is no higher than in the second.

Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.extract.gazetteer import load_gazetteer
from kg.model import ActorType

# {a} and {b} are states, {org} an organisation, {group} an armed or political group.
SENTENCES = [
    "{a} imposed new sanctions on {b} on {day}.",
    "{a} and {b} signed a trade agreement after talks in the capital.",
    "{a} condemned {b} over the border clashes.",
    "Officials said {a} would send troops to {b} next month.",
    "{a} accused {b} of supplying weapons to {group}.",
    "{b} denied the accusation and criticised {a}.",
    "{a} launched air strikes against {group} positions near the border.",
    "The foreign ministers of {a} and {b} met on {day} to discuss energy.",
    "{a} formally applied to join {org}.",
    "{org} suspended {b} after the coup.",
    "{a} pledged ${amount} million in humanitarian aid to {b}.",
    "{a} may deploy warships to waters claimed by {b}, analysts said.",
    "{a} did not send troops to {b}, the defence ministry said.",
    "{a} and {b} agreed to a ceasefire brokered by {org}.",
    "{group} attacked a military base in {b} on {day}.",
    "{a} expelled two diplomats from {b}.",
    "{a} threatened to impose tariffs on goods from {b}.",
    "{a} reportedly supplied drones to {b}, according to {org}.",
    "About {amount} people attended the ceremony in {a}.",
    "Markets in {b} rose {pct} percent after the announcement.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def corpus(count: int, seed: int = 3) -> Iterator[dict[str, str]]:
    """``count`` distinct short articles as JSONL records."""
    gaz = load_gazetteer()
    actors = list(gaz.actors.values())
    states = [a.label for a in actors if a.type is ActorType.STATE]
    orgs = [a.label for a in actors if a.type is ActorType.ORGANIZATION]
    groups = [a.label for a in actors if a.type is ActorType.GROUP]
    rng = random.Random(seed)
    for i in range(count):
        a, b = rng.sample(states, 2)
        values = {
            "a": a,
            "b": b,
            "org": rng.choice(orgs),
            "group": rng.choice(groups),
            "day": rng.choice(DAYS),
            "amount": str(rng.randrange(2, 900)),
            "pct": str(rng.randrange(1, 9)),
        }
        text = " ".join(s.format(**values) for s in rng.sample(SENTENCES, rng.randint(4, 7)))
        yield {
            "id": f"bench-{i:06d}",
            "title": f"{a} and {b}: article {i}",
            "date": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "text": text,
        }


def write_corpus(path: Path, count: int) -> int:
    """Write ``count`` articles to ``path``; their number of words."""
    words = 0
    with path.open("w", encoding="utf-8") as out:
        for record in corpus(count):
            words += len(record["text"].split())
            out.write(json.dumps(record) + "\n")
    return words


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB (empty if it is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


@dataclass
class Run:
    articles: int
    words: int
    seconds: float = 0.0
    main_peak_kib: int = 0
    worker_peak_kib: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds, main RSS KiB)
    output: str = ""

    def rss_at(self, fraction: float) -> float:
        """The ingest process's RSS (MB) around ``fraction`` of the run's duration."""
        if not self.samples:
            return 0.0
        target = self.seconds * fraction
        near = min(self.samples, key=lambda s: abs(s[0] - target))
        return near[1] / 1024


def run_ingest(kg: list[str], source: Path, store: Path, jobs: int, run: Run) -> Run:
    """Run ``kg ingest`` on ``source`` and sample its memory until it ends."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [*kg, "ingest", str(source), "--store", str(store), "--jobs", str(jobs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    while process.poll() is None:
        main = _status(process.pid)
        if main:
            run.main_peak_kib = max(run.main_peak_kib, main.get("VmHWM", 0))
            run.samples.append((time.perf_counter() - start, main.get("VmRSS", 0)))
        for child in _children(process.pid):
            run.worker_peak_kib = max(run.worker_peak_kib, _status(child).get("VmHWM", 0))
        time.sleep(0.5)
    run.seconds = time.perf_counter() - start
    run.output = (process.stdout.read() if process.stdout else "").strip()
    if process.returncode != 0:
        raise SystemExit(f"kg ingest failed ({process.returncode}):\n{run.output}")
    return run


def kg_command() -> list[str]:
    script = Path(sys.executable).with_name("kg")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "kg.cli"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, action="append", help="count (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="kg ingest --jobs")
    parser.add_argument("--keep", type=Path, help="keep the generated JSONL files here")
    args = parser.parse_args()
    counts = args.articles or [1000, 50_000]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}; kg ingest --jobs {args.jobs}"
    )
    runs = []
    folder = Path(tempfile.mkdtemp(prefix="kg-bench-ingest-"))
    try:
        for count in counts:
            source = (args.keep or folder) / f"articles-{count}.jsonl"
            source.parent.mkdir(parents=True, exist_ok=True)
            run = Run(count, write_corpus(source, count))
            run_ingest(kg_command(), source, folder / f"store-{count}", args.jobs, run)
            print(f"  {count:,} articles: {run.output.splitlines()[-1]}", file=sys.stderr)
            runs.append(run)
            shutil.rmtree(folder / f"store-{count}", ignore_errors=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        "\n| articles | words | time (s) | articles/s | ingest peak RSS (MB) "
        "| RSS at 25 / 50 / 75 / 100 % (MB) | worker peak RSS (MB) |"
    )
    print("|---|---|---|---|---|---|---|")
    for run in runs:
        flat = " / ".join(f"{run.rss_at(f):.0f}" for f in (0.25, 0.5, 0.75, 1.0))
        print(
            f"| {run.articles:,} | {run.words:,} | {run.seconds:.0f} | "
            f"{run.articles / run.seconds:.1f} | {run.main_peak_kib / 1024:.0f} | {flat} | "
            f"{run.worker_peak_kib / 1024:.0f} |"
        )
    if len(runs) > 1:
        small, large = runs[0], runs[-1]
        print(
            f"\n{large.articles / small.articles:.0f}× the articles: ingest peak RSS "
            f"×{large.main_peak_kib / small.main_peak_kib:.2f}, worker peak RSS "
            f"×{large.worker_peak_kib / max(small.worker_peak_kib, 1):.2f}"
        )


if __name__ == "__main__":
    main()
