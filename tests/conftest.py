"""Fixtures shared by the unit and end-to-end tests.

Loading spaCy costs about 1.5 s per process and extracting the bundled samples about
3 s, so the samples are ingested once per session (in-process, through the real CLI) and
every test that only reads the store shares that result.

Tests that take ``store_uri`` or ``sample_store_uri`` run once per backend: the embedded
Oxigraph store and a real Virtuoso server (``tests/virtuoso.py``, started once per
session; skipped locally without Virtuoso, failing in CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from virtuoso import VirtuosoServer

from kg.cli import main

REPO_ROOT = Path(__file__).resolve().parent.parent

# Settings of the person running the tests must not leak into them.
_OWN_VARIABLES = ("KG_STORE", "KG_SPACY_MODEL")
_SERVER_VARIABLES = (
    "KG_SPARQL_UPDATE_URL",
    "KG_SPARQL_USER",
    "KG_SPARQL_PASSWORD",
    "KG_SPARQL_TIMEOUT",
)

Invoke = Callable[..., Result]
RunKg = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture(scope="session", autouse=True)
def _no_server_settings() -> Iterator[None]:
    """Keep the caller's ``KG_SPARQL_*`` settings (endpoints, credentials) out of the
    tests; tests that need one set it with ``monkeypatch``."""
    saved = {name: os.environ.pop(name) for name in _SERVER_VARIABLES if name in os.environ}
    yield
    os.environ.update(saved)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def samples_dir(repo_root: Path) -> Path:
    """The bundled sample articles (``data/samples``)."""
    return repo_root / "data" / "samples"


def _invoke(*args: str | os.PathLike[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


def kg_command() -> list[str]:
    """The command that starts the real ``kg`` program: the console script, if installed."""
    script = Path(sys.executable).with_name("kg")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "kg.cli"]


def _run_kg(
    *args: str | os.PathLike[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in _OWN_VARIABLES}
    full_env.update(env or {})
    return subprocess.run(
        [*kg_command(), *(str(a) for a in args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or REPO_ROOT,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def kg_argv() -> list[str]:
    """The argv prefix that starts the real ``kg`` program, for ``subprocess.Popen``."""
    return kg_command()


@pytest.fixture(scope="session")
def cli() -> Invoke:
    """``cli("stats", "--store", path)`` runs ``kg`` in this process (CliRunner) and
    returns click's ``Result``; exceptions other than ``SystemExit`` propagate."""
    return _invoke


@pytest.fixture(scope="session")
def kg_process() -> RunKg:
    """``kg_process("ingest", folder, "--store", path)`` runs ``kg`` as a real process
    (from the repository folder, without the caller's ``KG_*`` variables) and returns the
    ``CompletedProcess`` with text ``stdout`` and ``stderr``."""
    return _run_kg


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path) -> Iterator[Path]:
    """An embedded store holding ``data/samples``, ingested once; read it, never write it.

    Tests that write (ingest, import) use a store of their own under ``tmp_path``. Close
    any store you open on it before running a command: one opener at a time.
    """
    path = tmp_path_factory.mktemp("sample-store") / "store"
    result = _invoke("ingest", samples_dir, "--store", path)
    assert result.exit_code == 0, result.output + result.stderr
    yield path


# --- server stores ----------------------------------------------------------------------

BACKENDS = ("oxigraph", "virtuoso")


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """A Virtuoso server for the whole session, started on first use. Tests write to it
    through ``fresh_virtuoso`` (or ``store_uri``), which empty it around each test."""
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


@pytest.fixture
def fresh_virtuoso(virtuoso: VirtuosoServer) -> Iterator[str]:
    """The store URI of the session's Virtuoso, empty; what the test wrote is dropped
    afterwards (Virtuoso's own graphs stay)."""
    virtuoso.clear()
    yield virtuoso.uri
    virtuoso.clear()


@pytest.fixture(params=BACKENDS)
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store of each backend, as a ``--store`` value: a new embedded store under
    ``tmp_path``, or the session's Virtuoso server (emptied before and after the test)."""
    if request.param == "oxigraph":
        return str(tmp_path / "store")
    return request.getfixturevalue("fresh_virtuoso")


@pytest.fixture(scope="session")
def virtuoso_sample_store(
    tmp_path_factory: pytest.TempPathFactory, samples_dir: Path
) -> Iterator[str]:
    """A second Virtuoso server holding ``data/samples``, ingested once through the CLI;
    read it, never write it. Its own server, so tests that empty ``virtuoso`` leave it be."""
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso-samples"))
    try:
        result = _invoke("ingest", samples_dir, "--store", server.uri)
        assert result.exit_code == 0, result.output + result.stderr
        yield server.uri
    finally:
        server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def sample_store_uri(request: pytest.FixtureRequest) -> str:
    """``data/samples`` ingested once per backend, as a ``--store`` value: the embedded
    ``sample_store`` or a Virtuoso server. Read it, never write it."""
    if request.param == "oxigraph":
        return str(request.getfixturevalue("sample_store"))
    return request.getfixturevalue("virtuoso_sample_store")
