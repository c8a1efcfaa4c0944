"""A JSON Lines file of 100,000 short articles, two of them broken, through the real
``kg ingest --jobs 2``: every good article stored, the two bad lines reported by number.

This is the slow one (about two minutes on two idle cores: spaCy parsing 100,000
documents, then ``kg validate`` reading 300,000 triples). It runs by default, marked
``scale``: ``pytest -m "not scale"`` leaves it out.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg import open_store
from robustness.support import check_exit, check_stderr, check_valid, summary

pytestmark = [pytest.mark.slow, pytest.mark.scale]

ARTICLES = 100_000
CLAIM_EVERY = 1_000  # one article in a thousand names two states and makes one claim
COUNTRIES = ["France", "Germany", "Japan", "India", "Brazil", "Canada", "Mexico", "Egypt"]
# Line numbers (1-based) of the broken lines; neither is one of the claim articles.
TRUNCATED, NULL_TEXT = 50_002, 77_778


def write_wire(path: Path) -> None:
    """The articles, one short line each: "Note 17." and, now and then, a condemnation."""
    with path.open("w", encoding="utf-8") as handle:
        for i in range(ARTICLES):
            line = i + 1
            if line == TRUNCATED:
                handle.write('{"id": "cut", "text": "Note\n')
                continue
            if i % CLAIM_EVERY == 0:
                n = i // CLAIM_EVERY
                a, b = COUNTRIES[n % 8], COUNTRIES[(n + 3) % 8]
                text = f"{a} condemned {b} on day {i}."
            else:
                text = f"Note {i}."
            record = {"id": f"n{i:06d}", "text": None if line == NULL_TEXT else text}
            handle.write(json.dumps(record) + "\n")


def test_hundred_thousand_articles(tmp_path: Path, kg_process, cli) -> None:
    wire = tmp_path / "wire.jsonl"
    write_wire(wire)
    store = tmp_path / "store"

    run = kg_process("ingest", wire, "--store", store, "--jobs", "2", timeout=600)

    check_stderr(
        run,
        {
            f"{wire}:{TRUNCATED}": "Unterminated string",
            f"{wire}:{NULL_TEXT}": "field 'text' must be a string, got null",
        },
    )
    check_exit(run, failed=True)
    # Not on a terminal: one plain progress line per 1,000 documents, counted up front.
    progress = [line for line in run.stderr.splitlines() if line.startswith("progress: ")]
    assert len(progress) == ARTICLES // 1000, progress[:3]
    assert progress[-1].startswith("progress: 100,000/100,000 documents (100%), 99,998 stored")
    good = ARTICLES - 2
    claims = ARTICLES // CLAIM_EVERY
    assert summary(run.stdout) == {
        "read": good,
        "stored": good,
        "unchanged": 0,
        "skipped": 0,
        "claims": claims,
        "problems": 2,
    }
    with open_store(str(store), read_only=True) as opened:
        stats = opened.stats()
    assert (stats["documents"], stats["claims"]) == (good, claims)
    assert stats["by_relation"] == {"CRITICIZES": claims}
    check_valid(cli, store)
