"""A disk that fills up and a store on read-only media, for real: the store lives on a small
tmpfs mounted in a private mount namespace (``unshare --mount --map-root-user``), so the
kernel itself answers "No space left on device" and "Read-only file system". Running as
root does not help a process past either, unlike a ``chmod``.

Each scenario is one shell script run inside the namespace; every ``kg`` command in it
leaves its stdout, stderr and exit status in files that the test reads afterwards.
Where mount namespaces are not allowed (some container sandboxes) those two tests are
skipped with that reason. A third test starts two ingests on one store at once.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT, RunKg, kg_command

from robustness.support import SUMMARY, summary

pytestmark = pytest.mark.slow

COUNTRIES = ["France", "Germany", "Japan", "India", "Brazil", "Canada", "Mexico", "Egypt"]


@functools.cache
def _namespaces_refused() -> str | None:
    """Why a private tmpfs cannot be mounted here, or None when it can."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    probe = Path("/tmp") / "kg-unshare-probe"
    probe.mkdir(exist_ok=True)
    try:
        run = subprocess.run(
            [
                "unshare",
                "--mount",
                "--map-root-user",
                "sh",
                "-c",
                'mount -t tmpfs -o size=1m tmpfs "$0"',
                str(probe),
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    finally:
        probe.rmdir()
    if run.returncode != 0:
        return f"cannot mount a private tmpfs here: {run.stderr.strip() or run.returncode}"
    return None


@dataclass
class Step:
    stdout: str
    stderr: str
    status: int


def run_on_small_disk(tmp_path: Path, size: str, script: str) -> dict[str, Step]:
    """Run ``script`` in a mount namespace where ``$DISK`` is a fresh tmpfs of ``size``.

    In the script, ``run NAME kg ARGS…`` runs the real kg and records the step as NAME;
    ``$OUT`` is a folder outside the tmpfs that outlives it.
    """
    refused = _namespaces_refused()
    if refused:
        pytest.skip(refused)
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    kg = " ".join(map(shlex.quote, kg_command()))
    prologue = f"""
set -u
DISK={shlex.quote(str(disk))}
OUT={shlex.quote(str(out))}
run() {{
    name=$1; shift
    if [ "$1" = kg ]; then shift; set -- {kg} "$@"; fi
    "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
    echo $? >"$OUT/$name.status"
}}
mount -t tmpfs -o size={size} tmpfs "$DISK" || exit 97
"""
    env_unset = "unset KG_STORE KG_SPACY_MODEL; "
    done = subprocess.run(
        ["unshare", "--mount", "--map-root-user", "sh", "-c", env_unset + prologue + script],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return {
        path.stem: Step(
            stdout=path.read_text(),
            stderr=path.with_suffix(".err").read_text(),
            status=int(path.with_suffix(".status").read_text()),
        )
        for path in out.glob("*.out")
    }


def error_lines(step: Step) -> list[str]:
    """The lines of stderr; each must be a kg error line, never a traceback."""
    assert "Traceback" not in step.stdout + step.stderr, step.stderr
    lines = [line for line in step.stderr.splitlines() if line.strip()]
    assert all(line.startswith("error: ") for line in lines), step.stderr
    return lines


def write_wire(path: Path, count: int) -> None:
    """``count`` distinct articles of a few claims each, as JSON Lines."""
    rows = []
    for i in range(count):
        a, b = COUNTRIES[i % 8], COUNTRIES[(i + 3) % 8]
        text = (
            f"{a} and {b} held talks on energy on day {i}. {a} condemned {b} over the border "
            f"incident. {b} said it would impose sanctions on {a}. " * 3
        )
        rows.append({"id": f"w{i:04d}", "title": f"Day {i}", "date": "2025-03-01", "text": text})
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def sorted_lines(path: Path) -> list[str]:
    return sorted(path.read_text().splitlines())


def ingest_and_export(kg_process: RunKg, store: Path, *sources: Path) -> list[str]:
    """Ingest ``sources`` into ``store`` with the real CLI; the store's sorted N-Quads."""
    for source in sources:
        ingested = kg_process("ingest", source, "--store", store)
        assert ingested.returncode == 0, ingested.stderr
    dump = store.with_suffix(".nq")
    exported = kg_process("export", "--format", "nq", "-o", dump, "--store", store)
    assert exported.returncode == 0, exported.stderr
    return sorted_lines(dump)


def test_a_full_disk_stops_the_ingest_clearly_and_a_rerun_finishes(
    tmp_path: Path, kg_process: RunKg
) -> None:
    wire = tmp_path / "wire.jsonl"
    write_wire(wire, 120)
    samples = REPO_ROOT / "data" / "samples"
    steps = run_on_small_disk(
        tmp_path,
        "64m",
        f"""
run first kg ingest {samples} --store "$DISK/store"
# Fill the disk, then leave a sliver: the store opens, and the wire's writes hit the wall.
dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null
truncate -s -256K "$DISK/filler"
run full kg ingest {wire} --store "$DISK/store" --jobs 2
run stats_when_full kg stats --store "$DISK/store"
rm "$DISK/filler"
run resumed kg ingest {wire} --store "$DISK/store"
run validate kg validate --store "$DISK/store"
run export kg export --format nq -o "$OUT/after.nq" --store "$DISK/store"
""",
    )
    assert steps["first"].status == 0, steps["first"].stderr

    full = steps["full"]
    assert full.status == 1
    [error] = error_lines(full)
    assert "the disk is full" in error and "No space left on device" in error
    assert "run the same command again" in error or "run the command again" in error
    stored_before = summary(full.stdout)["stored"] if SUMMARY.search(full.stdout) else 0
    assert stored_before < 120

    # Reading still works on a full disk.
    assert steps["stats_when_full"].status == 0, steps["stats_when_full"].stderr
    assert steps["stats_when_full"].stdout.startswith(f"{25 + stored_before} documents")

    resumed = steps["resumed"]
    assert resumed.status == 0 and error_lines(resumed) == []
    numbers = summary(resumed.stdout)
    assert (numbers["skipped"], numbers["stored"]) == (stored_before, 120 - stored_before)
    assert steps["validate"].status == 0 and "conforms" in steps["validate"].stdout

    # Every document is whole: the store equals one that never saw a full disk.
    clean = ingest_and_export(kg_process, tmp_path / "clean", samples, wire)
    assert sorted_lines(tmp_path / "out" / "after.nq") == clean


def test_a_read_only_store_reads_and_refuses_writes_clearly(tmp_path: Path) -> None:
    wire = tmp_path / "wire.jsonl"
    write_wire(wire, 3)
    samples = REPO_ROOT / "data" / "samples"
    nq = tmp_path / "some.nq"
    nq.write_text('<urn:a> <urn:b> "c" <urn:g> .\n')
    steps = run_on_small_disk(
        tmp_path,
        "64m",
        f"""
run first kg ingest {samples} --store "$DISK/store"
run before kg export --format nq -o "$OUT/before.nq" --store "$DISK/store"
mount -o remount,ro "$DISK"
run stats kg stats --store "$DISK/store"
run query kg query --store "$DISK/store" --format csv \
    "SELECT (COUNT(*) AS ?n) WHERE {{ ?c a kg:Claim }}"
run export kg export --format nq -o "$OUT/readonly.nq" --store "$DISK/store"
run ingest kg ingest {wire} --store "$DISK/store"
run import kg import {nq} --store "$DISK/store"
run new_store kg ingest {wire} --store "$DISK/new"
mount -o remount,rw "$DISK"
run after kg export --format nq -o "$OUT/after.nq" --store "$DISK/store"
""",
    )
    assert steps["first"].status == 0, steps["first"].stderr
    out = tmp_path / "out"

    for name in ("stats", "query"):
        assert steps[name].status == 0 and error_lines(steps[name]) == [], steps[name].stderr
    assert steps["export"].status == 0
    assert steps["export"].stderr == f"wrote {out / 'readonly.nq'}\n"
    assert steps["stats"].stdout.startswith("25 documents")
    assert steps["query"].stdout.splitlines()[1] == steps["stats"].stdout.split()[4]
    assert sorted_lines(out / "readonly.nq") == sorted_lines(out / "before.nq")

    for name in ("ingest", "import", "new_store"):
        step = steps[name]
        assert step.status == 1, (name, step.stderr)
        [error] = error_lines(step)
        assert "read-only file system" in error.lower(), error
    assert "cannot write to the store at" in steps["ingest"].stderr
    assert "copy it somewhere writable" in steps["ingest"].stderr
    assert "cannot create a store at" in steps["new_store"].stderr

    assert steps["after"].status == 0
    assert sorted_lines(out / "after.nq") == sorted_lines(out / "before.nq")


def test_two_ingests_on_one_store_one_fails_clearly_and_nothing_is_torn(
    tmp_path: Path, kg_process: RunKg
) -> None:
    """Two ``kg ingest`` processes started together on one embedded store: the store's
    lock lets one write; the other stops at once with a clear message (never a traceback,
    never a second writer). The store then equals one written by a single ingest."""
    wire = tmp_path / "wire.jsonl"
    write_wire(wire, 30)
    store = tmp_path / "store"
    argv = [*kg_command(), "ingest", str(wire), "--store", str(store)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    processes = [
        subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT, env=env
        )
        for _ in range(2)
    ]
    runs = [(p.wait(timeout=300), *p.communicate()) for p in processes]
    statuses = sorted(status for status, _, _ in runs)
    assert statuses in ([0, 0], [0, 1]), runs
    for status, stdout, stderr in runs:
        assert "Traceback" not in stdout + stderr
        if status == 1:
            assert stderr.splitlines() == [
                f"error: the store at {store} is in use by another kg process; "
                "wait for it or use another --store"
            ]
        else:
            assert summary(stdout)["problems"] == 0
    stored = sum(summary(out)["stored"] for status, out, _ in runs if status == 0)
    assert stored == 30  # each article written once, by whichever process got the lock

    again = kg_process("ingest", wire, "--store", store)
    assert again.returncode == 0, again.stderr
    assert (summary(again.stdout)["skipped"], summary(again.stdout)["stored"]) == (30, 0)
    assert ingest_and_export(kg_process, store) == ingest_and_export(
        kg_process, tmp_path / "clean", wire
    )
