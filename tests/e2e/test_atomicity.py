"""A ``kg ingest`` killed with SIGKILL leaves only whole documents, and a re-run resumes.

The ingest runs as a real process logging a progress line per document
(``--progress-every 1``: "…, N stored, …"); the test kills it once KILL_AFTER are stored,
while it is writing the next ones and has more to extract.
"""

from __future__ import annotations

import json
import os
import random
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

import kg
from kg.model import Document

pytestmark = pytest.mark.slow

N_ARTICLES = 60
KILL_AFTER = 10
COUNTRIES = [
    "France", "Germany", "Japan", "India", "Brazil", "Canada", "Mexico", "Egypt", "Turkey",
    "Iran", "Russia", "Ukraine", "Poland", "Spain", "Italy", "China", "Australia", "Kenya",
    "Nigeria", "Argentina", "Chile", "Peru", "Vietnam", "Indonesia", "Pakistan", "Israel",
    "Jordan", "Qatar", "Norway", "Sweden", "Finland", "Greece", "Morocco", "Ethiopia",
]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def article(i: int) -> dict[str, str]:
    """A short, distinct news article about three real countries."""
    n = len(COUNTRIES)
    a, b, c = COUNTRIES[i % n], COUNTRIES[(i * 7 + 3) % n], COUNTRIES[(i * 11 + 5) % n]
    if len({a, b, c}) < 3:
        b, c = COUNTRIES[(i + 1) % n], COUNTRIES[(i + 2) % n]
    day = WEEKDAYS[i % len(WEEKDAYS)]
    sentences = [
        f"{a} and {b} held talks on {day} about border security.",
        f"{a} accused {b} of supplying weapons to armed groups.",
        f"{b} denied the accusation and condemned {a}.",
        f"Officials said {a} would send troops to {c} next month.",
        f"{c} signed a trade agreement with {b} after the meeting.",
        f"About {100 + 7 * i} observers attended the ceremony in the capital.",
        f"Markets in {a} rose {i % 9 + 1} percent after the announcement.",
        f"The foreign ministry of {c} said the talks had been constructive.",
        f"Analysts expect {b} and {c} to expand cooperation on energy.",
        f"{a} said it would not rule out sanctions against {b}.",
    ]
    # Repeat the body so that extraction takes long enough to be interrupted.
    text = " ".join(sentences) + "\n\n" + " ".join(reversed(sentences))
    return {
        "id": f"atomicity-{i:03d}",
        "title": f"{a} and {b} trade accusations",
        "date": "2025-01-15",
        "text": text,
    }


def claim_keys(claims) -> set[tuple]:
    return {
        (
            c.subject.iri_key,
            c.relation.name,
            c.object.iri_key,
            c.modality.value,
            c.attributed_to.iri_key if c.attributed_to else None,
            c.evidence,
            c.start,
        )
        for c in claims
    }


def ingest_until_some_stored(
    argv: list[str],
    jsonl: Path,
    store: Path,
    cwd: Path,
    kill_after: int = KILL_AFTER,
    delay: float = 0.0,
) -> tuple[int, str]:
    """Start ``kg ingest``, SIGKILL it ``delay`` seconds after it reports ``kill_after``
    stored documents; returns the process's exit status and the progress it printed."""
    env = {k: v for k, v in os.environ.items() if k not in ("KG_STORE", "KG_SPACY_MODEL")}
    proc = subprocess.Popen(
        [*argv, "ingest", str(jsonl), "--store", str(store), "--progress-every", "1"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
    )
    assert proc.stderr is not None
    progress = ""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([proc.stderr], [], [], 0.1)
            if not ready:
                continue
            chunk = os.read(proc.stderr.fileno(), 4096).decode("utf-8", "replace")
            if not chunk:  # the child closed stderr
                break
            progress += chunk
            stored = [int(n.replace(",", "")) for n in re.findall(r"([\d,]+) stored", progress)]
            if stored and stored[-1] >= kill_after:
                time.sleep(delay)
                break
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=30), progress
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def test_killed_ingest_leaves_whole_documents_and_resumes(tmp_path, cli, kg_argv, repo_root):
    jsonl = tmp_path / "articles.jsonl"
    records = [article(i) for i in range(N_ARTICLES)]
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    store_path = tmp_path / "store"

    status, progress = ingest_until_some_stored(kg_argv, jsonl, store_path, repo_root)
    assert status == -signal.SIGKILL, (
        f"ingest ended by itself (status {status}) before it could be interrupted; "
        f"progress: {progress!r}"
    )

    documents = {
        item.doc_id: item for item in kg.read_documents([jsonl]) if isinstance(item, Document)
    }
    assert len(documents) == N_ARTICLES, "every generated article is a distinct document"
    with kg.open_store(str(store_path)) as store:
        present = store.documents()
        stored_claims = {row["id"]: claim_keys(store.claims(document=row["id"])) for row in present}
        every_claim_document = {c.document for c in store.claims()}
    assert KILL_AFTER <= len(present) < N_ARTICLES, f"{len(present)} documents after the kill"
    assert every_claim_document <= set(stored_claims), "claims of a document that is not there"
    extractor = kg.Extractor()
    for row in present:
        fresh = extractor.extract(documents[row["id"]])
        assert fresh, f"{row['name']}: the generated article gives claims"
        assert stored_claims[row["id"]] == claim_keys(fresh), f"{row['name']} is incomplete"
        assert row["claims"] == len(stored_claims[row["id"]])

    rerun = cli("ingest", jsonl, "--store", store_path)
    assert rerun.exit_code == 0, rerun.stderr
    assert (
        f"{N_ARTICLES} documents read: {N_ARTICLES - len(present)} stored, 0 unchanged, "
        f"{len(present)} already in the store;" in rerun.output
    ), rerun.output
    with kg.open_store(str(store_path), read_only=True) as store:
        assert {row["id"] for row in store.documents()} == set(documents)


def test_repeated_kills_at_random_points_leave_a_valid_store(tmp_path, cli, kg_argv, repo_root):
    """Three ingests killed at random points, each resuming the last: after every kill the
    store holds only whole documents and `kg validate` accepts it; a last run finishes."""
    rng = random.Random(2026)
    jsonl = tmp_path / "articles.jsonl"
    records = [article(i) for i in range(N_ARTICLES)]
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    store_path = tmp_path / "store"
    documents = {
        item.doc_id: item for item in kg.read_documents([jsonl]) if isinstance(item, Document)
    }
    extractor = kg.Extractor()
    stored = 0
    for _ in range(3):
        kill_after, delay = rng.randint(2, 6), rng.uniform(0.0, 0.4)
        status, progress = ingest_until_some_stored(
            kg_argv, jsonl, store_path, repo_root, kill_after, delay
        )
        assert status == -signal.SIGKILL, f"ingest was not interrupted: {progress!r}"
        with kg.open_store(str(store_path), read_only=True) as store:
            present = store.documents()
            for row in present:
                kept = claim_keys(store.claims(document=row["id"]))
                assert kept == claim_keys(extractor.extract(documents[row["id"]])), row["name"]
        assert stored <= len(present) <= N_ARTICLES  # (a kill may land after the last write)
        stored = len(present)
        validated = cli("validate", "--store", store_path)
        assert validated.exit_code == 0, validated.output + validated.stderr

    rerun = cli("ingest", jsonl, "--store", store_path)
    assert rerun.exit_code == 0, rerun.stderr
    assert f"{stored} already in the store;" in rerun.output, rerun.output
    assert cli("validate", "--store", store_path).exit_code == 0
