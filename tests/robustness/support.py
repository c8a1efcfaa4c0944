"""What every robustness case checks after a real ``kg`` run: the shape of stderr, the
exit status, the summary line and the store that is left behind."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kg import open_store

GOOD_TEXT = "Border talks\n\nFrance and Germany held talks in Paris on Tuesday about energy.\n"
"""A plain-text article with one claim (France–Germany, MEETS)."""

SUMMARY = re.compile(
    r"^(?P<read>\d+) documents read: (?P<stored>\d+) stored, (?P<unchanged>\d+) unchanged, "
    r"(?P<skipped>\d+) already in the store; (?P<claims>\d+) claims; (?P<problems>\d+) problems\.$",
    re.MULTILINE,
)


PROGRESS = re.compile(r"^progress: [\d,]+(/[\d,]+)? documents .*, [\dhms]+ elapsed$")
"""The line ``kg ingest`` logs every ``--progress-every`` documents when not on a terminal."""


def summary(stdout: str) -> dict[str, int]:
    """The numbers of ``kg ingest``'s closing line."""
    found = SUMMARY.findall(stdout)
    assert len(found) == 1, f"expected one summary line in {stdout!r}"
    names = ("read", "stored", "unchanged", "skipped", "claims", "problems")
    return dict(zip(names, map(int, found[0]), strict=True))


def check_stderr(
    run: subprocess.CompletedProcess[str],
    errors: Mapping[str, str],
    warnings: Iterable[str] = (),
) -> None:
    """stderr holds exactly one ``error: WHERE: reason`` line per expected problem (the
    reason containing the expected words), the expected warnings once each, progress lines,
    and nothing else: no traceback, no stray library output, no line broken in two."""
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    error_lines = [line for line in lines if line.startswith("error: ")]
    warning_lines = [line for line in lines if line.startswith("WARNING ")]
    progress_lines = [line for line in lines if PROGRESS.match(line)]
    known = {*error_lines, *warning_lines, *progress_lines}
    others = [line for line in lines if line not in known]
    assert not others, "unexpected stderr lines:\n" + "\n".join(others)
    for where, words in errors.items():
        naming = [line for line in error_lines if line.startswith(f"error: {where}: ")]
        assert len(naming) == 1, f"{where}: want one error line, got {naming}\n{run.stderr}"
        assert words.lower() in naming[0].lower(), (words, naming[0])
    assert len(error_lines) == len(errors), "errors not expected:\n" + "\n".join(
        line for line in error_lines if not any(f"error: {w}: " in line for w in errors)
    )
    expected_warnings = list(warnings)
    for words in expected_warnings:
        matching = [line for line in warning_lines if words in line]
        assert len(matching) == 1, f"{words!r}: want one warning, got {matching}"
    assert len(warning_lines) == len(expected_warnings), "\n".join(warning_lines)


def check_exit(run: subprocess.CompletedProcess[str], *, failed: bool) -> None:
    """Status 1 when anything failed, 0 otherwise (never 2, a usage error, or a crash)."""
    want = 1 if failed else 0
    assert run.returncode == want, f"exit {run.returncode}, want {want}\n{run.stderr}"


def stored_documents(store_path: Path) -> dict[str, dict[str, Any]]:
    """The store's documents by name, with their claim counts and metadata."""
    with open_store(str(store_path), read_only=True) as store:
        return {doc["name"]: doc for doc in store.documents()}


def nquads(store_path: Path) -> bytes:
    """The whole store as N-Quads, lines sorted: equal bytes mean equal stores."""
    buffer = io.BytesIO()
    with open_store(str(store_path), read_only=True) as store:
        store.export(buffer, "nq")
    return b"\n".join(sorted(buffer.getvalue().splitlines()))


def check_valid(cli: Any, store_path: Path) -> None:
    """``kg validate --store`` accepts the store. It runs in this process through click
    (the ``cli`` fixture), which saves starting another interpreter."""
    result = cli("validate", "--store", store_path)
    assert result.exit_code == 0, result.output + result.stderr
    assert "conforms" in result.output
