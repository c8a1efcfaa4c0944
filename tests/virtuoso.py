"""A throwaway Virtuoso server for the tests of the ``sparql:`` store.

:class:`VirtuosoServer` starts ``virtuoso-t`` in the foreground with a database of its
own in a temporary folder, on free ports of 127.0.0.1, from the Debian package's
``virtuoso.ini`` with every path and port replaced. It waits until the SPARQL endpoint
answers and lets the anonymous SPARQL user write (``GRANT SPARQL_UPDATE``, through
``isql-vt`` on the server's ODBC port).

Mandatory project rule: without ``virtuoso-t`` the server tests are skipped, but only
when ``$CI`` is unset; in CI they fail instead (:func:`require_virtuoso`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

# The Debian package (virtuoso-opensource-7) installs these; $PATH is tried first.
_DEBIAN_INI = (
    Path("/usr/share/virtuoso-opensource-7/virtuoso.ini"),
    Path("/etc/virtuoso-opensource-7/virtuoso.ini"),
)
_INSTALL_HINT = "apt-get install virtuoso-opensource"
STARTUP_SECONDS = 120.0
# Graphs Virtuoso keeps for itself; clear() leaves them alone.
_SYSTEM_GRAPH = re.compile(
    r"^(?:http://www\.openlinksw\.com/schemas/virtrdf#|http://www\.w3\.org/2002/07/owl#"
    r"|http://www\.w3\.org/ns/ldp#|https?://[^/]+/(?:DAV/|sparql)$)"
)
# The dba account of a new Virtuoso database.
DBA_USER = "dba"
DBA_PASSWORD = "dba"


def _program(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidate = Path("/usr/bin") / name
    return str(candidate) if candidate.is_file() else None


def require_virtuoso() -> tuple[str, str, Path]:
    """The paths of ``virtuoso-t``, ``isql-vt`` and a template ``virtuoso.ini``.

    When one is missing: skip locally, fail in CI (``$CI`` set), as the project's rule
    for system programs says.
    """
    server, isql = _program("virtuoso-t"), _program("isql-vt") or _program("isql")
    template = next((path for path in _DEBIAN_INI if path.is_file()), None)
    missing = [
        name
        for name, found in (("virtuoso-t", server), ("isql-vt", isql), ("virtuoso.ini", template))
        if not found
    ]
    if missing:
        message = f"Virtuoso is not installed ({', '.join(missing)} missing; {_INSTALL_HINT})"
        if "CI" in os.environ:  # set at all, even empty: CI must not skip
            pytest.fail(message + " — CI must run the server store tests", pytrace=False)
        pytest.skip(message)
    assert server and isql and template
    return server, isql, template


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_config(template: Path, folder: Path, odbc_port: int, http_port: int) -> Path:
    """A copy of the package's virtuoso.ini with the database in ``folder`` and the
    servers on the given ports of 127.0.0.1; hosting plugins are left out."""
    files = {
        ("Database", "DatabaseFile"): folder / "virtuoso.db",
        ("Database", "ErrorLogFile"): folder / "virtuoso.log",
        ("Database", "LockFile"): folder / "virtuoso.lck",
        ("Database", "TransactionFile"): folder / "virtuoso.trx",
        ("Database", "xa_persistent_file"): folder / "virtuoso.pxa",
        ("TempDatabase", "DatabaseFile"): folder / "virtuoso-temp.db",
        ("TempDatabase", "TransactionFile"): folder / "virtuoso-temp.trx",
        ("Parameters", "ServerPort"): f"127.0.0.1:{odbc_port}",
        ("HTTPServer", "ServerPort"): f"127.0.0.1:{http_port}",
    }
    lines, section = [], ""
    for line in template.read_text("utf-8").splitlines():
        header = re.match(r"^\s*\[([^\]]+)\]", line)
        if header:
            section = header.group(1).strip()
        elif section == "Plugins":
            continue
        else:
            key = re.match(r"^\s*([A-Za-z_0-9]+)\s*=", line)
            if key and (section, key.group(1)) in files:
                line = f"{key.group(1)} = {files[section, key.group(1)]}"
        lines.append(line)
    config = folder / "virtuoso.ini"
    config.write_text("\n".join(lines) + "\n", "utf-8")
    return config


class VirtuosoServer:
    """One ``virtuoso-t`` process with its own database folder; stop it with :meth:`stop`."""

    def __init__(self, folder: Path) -> None:
        program, self.isql_program, template = require_virtuoso()
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.odbc_port, self.http_port = free_port(), free_port()
        while self.http_port == self.odbc_port:
            self.http_port = free_port()
        config = write_config(template, folder, self.odbc_port, self.http_port)
        self.output = (folder / "virtuoso.out").open("wb")
        self.process = subprocess.Popen(
            [program, "+foreground", "+configfile", str(config)],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_until_ready()
            self.isql('GRANT SPARQL_UPDATE TO "SPARQL";')
        except BaseException:
            self.stop()
            raise

    @property
    def endpoint(self) -> str:
        """The anonymous SPARQL endpoint (query and update)."""
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def auth_endpoint(self) -> str:
        """The endpoint that asks for credentials (HTTP digest)."""
        return f"http://127.0.0.1:{self.http_port}/sparql-auth"

    @property
    def uri(self) -> str:
        """The kg store URI of the server."""
        return f"sparql:{self.endpoint}"

    def log(self) -> str:
        """The end of the server's log, for failure messages."""
        text = ""
        for name in ("virtuoso.out", "virtuoso.log"):
            path = self.folder / name
            if path.is_file():
                text += path.read_text("utf-8", "replace")[-3000:]
        return text

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t stopped while starting:\n{self.log()}")
            try:
                self.request("query", "ASK { ?s ?p ?o }")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        raise RuntimeError(f"Virtuoso did not answer within {STARTUP_SECONDS:g} s:\n{self.log()}")

    def request(self, kind: str, text: str) -> bytes:
        """POST a query (``kind="query"``) or an update to the anonymous endpoint."""
        data = urllib.parse.urlencode({kind: text}).encode()
        request = urllib.request.Request(
            self.endpoint, data=data, headers={"Accept": "application/sparql-results+json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read()

    def isql(self, sql: str) -> str:
        """Run SQL as dba through isql-vt on the ODBC port."""
        done = subprocess.run(
            [self.isql_program, f"127.0.0.1:{self.odbc_port}", DBA_USER, DBA_PASSWORD],
            input=sql + "\nEXIT;\n",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql-vt failed on {sql!r}:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def graphs(self) -> list[str]:
        """The named graphs that hold data, Virtuoso's own left out."""
        body = self.request("query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        rows = json.loads(body)["results"]["bindings"]
        return [row["g"]["value"] for row in rows if not _SYSTEM_GRAPH.match(row["g"]["value"])]

    def clear(self) -> None:
        """Drop every graph the tests wrote (Virtuoso's own graphs stay)."""
        graphs = self.graphs()
        for start in range(0, len(graphs), 200):
            self.request(
                "update",
                " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs[start : start + 200]),
            )

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and delete its database (some 70 MB),
        keeping its logs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()
        for pattern in ("*.db", "*.trx", "*.pxa", "*.lck"):
            for path in self.folder.glob(pattern):
                path.unlink(missing_ok=True)
