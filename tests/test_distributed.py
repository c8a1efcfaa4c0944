"""Extraction on a real Dask cluster (kg/distributed.py) against the local path.

One LocalCluster of two worker processes serves the module; its workers load the model
once each. Dask is part of the test extra: without it these tests are skipped locally
and fail in CI (CI=true).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kg.extract import Extractor
from kg.ingest import read_documents
from kg.model import Document, InputProblem
from kg.store import open_store

pytestmark = pytest.mark.slow


def _dask_or_skip() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("dask.distributed is not installed (pip install -e '.[test]'; required in CI)")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A real two-process LocalCluster on the loopback interface."""
    _dask_or_skip()
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def client(cluster: Any) -> Iterator[Any]:
    from distributed import Client

    with Client(cluster, set_as_default=False) as connected:
        yield connected


@pytest.fixture(scope="module")
def samples(samples_dir: Path) -> list[Document]:
    docs = [d for d in read_documents([samples_dir]) if isinstance(d, Document)]
    return docs[:5]


@pytest.fixture(scope="module")
def local_claims(samples: list[Document]) -> dict[str, Any]:
    return {doc.doc_id: result for doc, result in Extractor().extract_many(samples)}


def test_dask_claims_equal_local_claims(
    client: Any, samples: list[Document], local_claims: dict[str, Any]
) -> None:
    from kg.distributed import extract_on_dask

    results = list(extract_on_dask(samples, client, batch_size=2))
    assert [doc.doc_id for doc, _ in results] == [doc.doc_id for doc in samples]
    assert sum(len(claims) for claims in local_claims.values()) > 20
    for doc, claims in results:
        assert not isinstance(claims, InputProblem), claims
        assert claims == local_claims[doc.doc_id], doc.name


def test_a_bad_article_is_a_problem_and_the_batch_goes_on(
    client: Any, samples: list[Document], local_claims: dict[str, Any]
) -> None:
    from kg.distributed import extract_on_dask

    # Longer than spaCy's max_length: reported by the extractor on the worker, as locally.
    huge = Document("Russia attacked Ukraine. " * 45_000, name="huge.txt", origin="wire.jsonl:2")
    first, second, third = samples[:3]
    batch = [first, huge, second, third]
    results = list(extract_on_dask(batch, client, batch_size=2))
    assert [doc.name for doc, _ in results] == [doc.name for doc in batch]
    problem = results[1][1]
    assert isinstance(problem, InputProblem)
    assert (
        str(problem) == "wire.jsonl:2: too long to parse: 1,125,000 characters (at most 1,000,000)"
    )
    assert [r for _, r in Extractor().extract_many([huge])] == [problem]
    for doc, claims in (results[0], results[2], results[3]):
        assert claims == local_claims[doc.doc_id]


def test_a_document_that_breaks_its_batch_is_isolated(
    client: Any, samples: list[Document], local_claims: dict[str, Any]
) -> None:
    from kg.distributed import extract_on_dask

    # No text at all: the worker's task for the whole batch raises, so the client
    # retries that batch's documents one by one and reports only the broken one.
    broken = Document(None, name="broken", doc_id="0" * 64)  # type: ignore[arg-type]
    first, second, third = samples[:3]
    batch = [first, broken, second, third]
    results = list(extract_on_dask(batch, client, batch_size=2))
    assert [doc.name for doc, _ in results] == [doc.name for doc in batch]
    problem = results[1][1]
    assert isinstance(problem, InputProblem)
    assert problem.path == "broken"
    assert problem.reason.startswith("extraction failed on the Dask cluster: TypeError")
    for doc, claims in (results[0], results[2], results[3]):
        assert claims == local_claims[doc.doc_id]


def test_only_a_few_batches_are_in_flight(client: Any) -> None:
    from kg.distributed import extract_on_dask

    read = 0

    def stream() -> Iterator[Document]:
        nonlocal read
        for i in range(12):
            read += 1
            yield Document(f"France met Germany on day {i}.", name=f"d{i}")

    results = extract_on_dask(stream(), client, batch_size=1, max_in_flight=2)
    next(results)
    assert read <= 3  # two batches submitted, the first collected, at most one more read
    assert len(list(results)) == 11
    assert read == 12


def test_cli_ingest_on_dask_stores_what_a_local_ingest_stores(
    cluster: Any, kg_process: Any, samples_dir: Path, sample_store: Path, tmp_path: Path
) -> None:
    store = tmp_path / "dask-store"
    done = kg_process(
        "ingest",
        samples_dir,
        "--store",
        store,
        "--executor",
        "dask",
        "--scheduler",
        cluster.scheduler_address,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert "0 problems" in done.stdout
    with open_store(sample_store, read_only=True) as local:
        local_stats, local_keys = local.stats(), {c.key for c in local.claims()}
    with open_store(store, read_only=True) as on_dask:
        dask_stats, dask_keys = on_dask.stats(), {c.key for c in on_dask.claims()}
    assert dask_stats["documents"] == local_stats["documents"] > 20
    assert dask_stats["claims"] == local_stats["claims"] > 200
    assert dask_stats == local_stats
    assert dask_keys == local_keys
    assert f"{dask_stats['claims']} claims" in done.stdout


def test_unreachable_scheduler_is_one_line(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _dask_or_skip()
    import kg.distributed

    monkeypatch.setattr(kg.distributed, "CONNECT_TIMEOUT", 1.0)
    article = tmp_path / "a.txt"
    article.write_text("Russia attacked Ukraine.", encoding="utf-8")
    result = cli(
        "ingest", article, "--store", "memory:", "--executor", "dask",
        "--scheduler", "tcp://127.0.0.1:9",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "error: cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_executor_and_scheduler_go_together(cli: Any, tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Russia attacked Ukraine.", encoding="utf-8")
    no_address = cli("ingest", article, "--store", "memory:", "--executor", "dask")
    assert no_address.exit_code == 2
    assert "--executor dask needs --scheduler" in no_address.stderr
    stray = cli("ingest", article, "--store", "memory:", "--scheduler", "tcp://127.0.0.1:8786")
    assert stray.exit_code == 2
    assert "--scheduler goes with --executor dask" in stray.stderr


def test_plain_kg_never_imports_dask() -> None:
    code = (
        "import sys, kg, kg.api, kg.cli\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
