"""Progress of an ingest: counting the inputs, the live line, the plain log lines, and the
real ``kg ingest`` on a pseudo-terminal and on a pipe."""

from __future__ import annotations

import importlib
import io
import json
import os
import pty
import re
import subprocess
from pathlib import Path

import pytest
from conftest import REPO_ROOT, RunKg, kg_command

from kg.api import IngestReport
from kg.ingest import count_articles
from kg.progress import IngestProgress, format_duration

ARTICLE = "Talks\n\nFrance and Germany held talks in Paris on Tuesday about energy.\n"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def report(stored: int, *, skipped: int = 0, claims: int = 0) -> IngestReport:
    return IngestReport(documents=stored + skipped, stored=stored, skipped=skipped, claims=claims)


# --- counting ---------------------------------------------------------------------------------


def test_count_articles_by_format(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text(ARTICLE)
    (tmp_path / "page.html").write_text("<html><body><p>Hello</p></body></html>")
    lines = [json.dumps({"id": str(i), "text": ARTICLE}) for i in range(5)]
    (tmp_path / "wire.jsonl").write_text("\n".join(lines[:3]) + "\n\n   \n" + "\n".join(lines[3:]))
    items = "".join(f"<item><title>{i}</title></item>" for i in range(4))
    (tmp_path / "feed.rss").write_text(f"<rss><channel>{items}</channel></rss>")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")  # not an input: not counted
    (tmp_path / ".hidden.txt").write_text(ARTICLE)  # hidden: not read, not counted
    assert count_articles([tmp_path]) == 1 + 1 + 5 + 4
    assert count_articles([tmp_path / "wire.jsonl", tmp_path / "missing.jsonl"]) == 5


def test_count_across_chunk_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readers = importlib.import_module("kg.ingest")  # kg.ingest is also the function
    monkeypatch.setattr(readers, "_CHUNK", 3)  # every marker and line crosses a boundary
    feed = tmp_path / "feed.atom"
    feed.write_text("<feed>" + '<entry xml:lang="en">a</entry>' * 3 + "<entry>b</entry></feed>")
    wire = tmp_path / "wire.jsonl"
    wire.write_text('{"id": "a"}\n\n{"id": "b"}\n  \n{"id": "c"}')  # no final newline
    assert count_articles([feed]) == 4
    assert count_articles([wire]) == 3


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0, 59.4, 60, 3599, 3600, 90061)] == [
        "0s",
        "59s",
        "1m00s",
        "59m59s",
        "1h00m",
        "25h01m",
    ]


# --- the plain log lines ----------------------------------------------------------------------


def test_plain_line_every_n_documents_with_rate_and_eta() -> None:
    clock, out = Clock(), io.StringIO()
    progress = IngestProgress(out, live=False, every=100, total=1000, clock=clock)
    for done in range(1, 251):
        clock.now += 0.5  # two documents a second
        progress(report(done, claims=3 * done))
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("progress: 100/1,000 documents (10%), 100 stored, 300 claims, ")
    assert "2.0 docs/s" in lines[1] and "ETA 6m40s" in lines[1]  # 800 left at 2/s
    assert lines[1].endswith("1m40s elapsed")


def test_plain_lines_survive_jumps_and_can_be_off() -> None:
    out = io.StringIO()
    progress = IngestProgress(out, live=False, every=10, clock=Clock())
    for done in (3, 12, 13, 35, 36):  # a batch lands several documents at once
        progress(report(done))
    assert [line.split(" documents")[0] for line in out.getvalue().splitlines()] == [
        "progress: 12",
        "progress: 35",
    ]
    silent = io.StringIO()
    quiet = IngestProgress(silent, live=False, every=0, clock=Clock())
    for done in range(1, 5000):
        quiet(report(done))
    assert silent.getvalue() == ""


def test_no_eta_without_a_total_or_when_the_estimate_is_short() -> None:
    clock, out = Clock(), io.StringIO()
    progress = IngestProgress(out, live=False, every=1, total=2, clock=clock)
    for done in (1, 2, 3):
        clock.now += 1
        progress(report(done))
    first, second, third = out.getvalue().splitlines()
    assert "1/2 documents (50%)" in first and "ETA" in second
    assert third.startswith("progress: 3 documents,") and "ETA" not in third


def test_rate_follows_the_recent_window() -> None:
    clock, out = Clock(), io.StringIO()
    progress = IngestProgress(out, live=False, every=1, total=100_000, clock=clock)
    progress(report(0, skipped=5000))  # a resumed run: skipped documents fly past
    for done in range(1, 121):
        clock.now += 1
        progress(report(done, skipped=5000))
    assert "1.0 docs/s" in out.getvalue().splitlines()[-1]


# --- the live line ----------------------------------------------------------------------------


def test_live_line_redraws_in_place_at_most_five_times_a_second() -> None:
    clock, out = Clock(), io.StringIO()
    progress = IngestProgress(out, live=True, total=50, clock=clock)
    for done in range(1, 51):
        clock.now += 0.05
        progress(report(done, skipped=0))
    progress.close()
    text = out.getvalue()
    assert "\n" not in text[:-1] and text.endswith("\n")
    draws = text.split("\r")[1:]
    assert 10 <= len(draws) <= 14  # 2.5 s at one draw per 0.2 s
    assert "ETA" in draws[-1] and "docs/s" in draws[-1]
    widths = [len(draw.rstrip("\n")) for draw in draws]
    assert widths == sorted(widths)  # a shorter line is padded over the longer one


def test_close_without_any_line_writes_nothing() -> None:
    out = io.StringIO()
    IngestProgress(out, live=True).close()
    IngestProgress(out, live=False).close()
    assert out.getvalue() == ""


# --- the real CLI -----------------------------------------------------------------------------


def _wire(tmp_path: Path, count: int) -> Path:
    wire = tmp_path / "wire.jsonl"
    rows = [
        {"id": f"a{i}", "title": f"Talks {i}", "text": f"Report {i}. " + ARTICLE}
        for i in range(count)
    ]
    wire.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return wire


@pytest.mark.slow
def test_kg_ingest_logs_plain_lines_on_a_pipe(tmp_path: Path, kg_process: RunKg) -> None:
    wire = _wire(tmp_path, 7)
    run = kg_process("ingest", wire, "--store", tmp_path / "store", "--progress-every", "3")
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert [re.match(r"progress: (\d+)/7 documents", line)[1] for line in lines] == ["3", "6"]
    assert all("\r" not in line for line in lines)
    silent = kg_process("ingest", wire, "--store", tmp_path / "other", "--progress-every", "0")
    assert silent.returncode == 0 and silent.stderr == ""


@pytest.mark.slow
def test_kg_ingest_draws_a_live_line_on_a_terminal(tmp_path: Path) -> None:
    wire = _wire(tmp_path, 4)
    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    try:
        process = subprocess.Popen(
            [*kg_command(), "ingest", str(wire), "--store", str(tmp_path / "store")],
            stdout=subprocess.PIPE,
            stderr=terminal,
            cwd=REPO_ROOT,
            env=env,
        )
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            shown += chunk
        stdout, _ = process.communicate(timeout=120)
    finally:
        os.close(controller)
    assert process.returncode == 0
    assert b"4 documents read: 4 stored" in stdout
    text = shown.decode()
    assert "\r" in text and "4/4 documents (100%)" in text and "docs/s" in text
    assert "progress:" not in text and "Traceback" not in text
