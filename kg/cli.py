"""The ``kg`` command line: a thin click layer over the library API.

Each command parses its options, calls one library function and prints the result.
Errors a user can cause (:class:`kg.errors.KgError`) are printed on one line, without a
traceback, and exit with status 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import logging
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kg import api
from kg.errors import KgError
from kg.ingest import parse_date
from kg.model import InputProblem
from kg.ontology import SCORING_LABELS
from kg.progress import IngestProgress
from kg.serve import DEFAULT_HOST, DEFAULT_MAX_ROWS, DEFAULT_PORT, DEFAULT_TIMEOUT
from kg.store import limit_allocator_retention

if TYPE_CHECKING:  # the analysis stack loads only for the commands that use it
    from kg.analyze import ClaimFilter
    from kg.store import Store

__all__ = ["main"]

DEFAULT_STORE = "./kg-store"
DEFAULT_GRAPH = "exports/graph.html"
EXPORT_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "xml")
# Formats of kg.io: graph tools out, claim tables and event datasets in.
GRAPH_FORMATS = ("graphml", "gexf", "cytoscape", "neo4j", "csv")
IMPORT_FORMATS = ("csv", "gdelt")


class DateType(click.ParamType):
    """A calendar date: 2024-10-18, 18 October 2024, …"""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if isinstance(value, dt.date):
            return value
        parsed = parse_date(str(value))
        if parsed is None:
            self.fail(f"{value!r} is not a date; write it as YYYY-MM-DD", param, ctx)
        return parsed


def min_confidence_option() -> Callable:
    """``--min-confidence``, shared by the commands that read claims."""
    return click.option(
        "--min-confidence",
        type=click.FloatRange(0.0, 1.0),
        default=0.0,
        show_default=True,
        help="Leave out claims whose confidence is below this (0–1).",
    )


def _check_relations(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """Relation labels or names, checked against the ontology (any case)."""
    from kg.ontology import relations

    known = {label.lower(): label for label in SCORING_LABELS}
    known.update({name.lower(): name for name in relations()})
    checked = []
    for value in values:
        if value.strip().lower() not in known:
            raise click.BadParameter(
                f"unknown relation {value!r}; use a label: {', '.join(SCORING_LABELS)}",
                ctx,
                param,
            )
        checked.append(known[value.strip().lower()])
    return tuple(checked)


def _check_actor_types(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    from kg.analyze import AnalysisError, parse_actor_type

    try:
        return tuple(parse_actor_type(value).value for value in values)
    except AnalysisError as err:
        raise click.BadParameter(str(err), ctx, param) from None


_ALL_MODALITIES = ("asserted", "hedged", "negated")


def claim_filter_options(default_modalities: tuple[str, ...] = ("asserted", "hedged")) -> Callable:
    """The claim filters shared by ``kg analyze …`` and ``kg viz``, collapsed into one
    :class:`kg.analyze.ClaimFilter` passed to the command as ``claim_filter``.

    ``--modality`` defaults to ``default_modalities`` when not given.
    """

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(
            *args: Any,
            relations: tuple[str, ...],
            modalities: tuple[str, ...],
            since: dt.date | None,
            until: dt.date | None,
            min_confidence: float,
            actor_types: tuple[str, ...],
            sources: tuple[str, ...],
            **kwargs: Any,
        ) -> Any:
            from kg.analyze import ClaimFilter

            claim_filter = ClaimFilter(
                relations=relations,
                modalities=modalities or default_modalities,
                since=since,
                until=until,
                min_confidence=min_confidence,
                actor_types=actor_types,
                sources=sources,
            )
            return command(*args, claim_filter=claim_filter, **kwargs)

        options = [
            click.option(
                "--relation",
                "relations",
                multiple=True,
                metavar="LABEL",
                callback=_check_relations,
                help="Only claims with this relation: a scoring label (MILITARY_AID, "
                "ATTACKS…) or a finer relation name (sendsTroops). Repeatable.",
            ),
            click.option(
                "--modality",
                "modalities",
                multiple=True,
                type=click.Choice(_ALL_MODALITIES, case_sensitive=False),
                help=f"Only claims of this modality (repeatable; default: "
                f"{', '.join(default_modalities)}).",
            ),
            click.option(
                "--since",
                type=DateType(),
                help="Only claims dated on or after this (event date, else article date).",
            ),
            click.option("--until", type=DateType(), help="Only claims dated on or before this."),
            min_confidence_option(),
            click.option(
                "--actor-type",
                "actor_types",
                multiple=True,
                metavar="TYPE",
                callback=_check_actor_types,
                help="Only claims whose both actors are of this type: State, "
                "InternationalOrganization, NonStateGroup, Person, Actor (or COUNTRY, ORG, "
                "GROUP, PERSON, OTHER). Repeatable.",
            ),
            click.option(
                "--source",
                "sources",
                multiple=True,
                help="Only claims from articles of this source, e.g. Reuters (repeatable).",
            ),
        ]
        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorate


def store_option() -> Callable:
    """``--store URI``, shared by every command that opens the store."""
    return click.option(
        "--store",
        "store_uri",
        envvar="KG_STORE",
        default=DEFAULT_STORE,
        show_default=True,
        metavar="URI",
        help="Store: a folder (embedded Oxigraph), oxigraph:PATH, memory:, or sparql:URL "
        "(a SPARQL 1.1 server; credentials from $KG_SPARQL_USER/$KG_SPARQL_PASSWORD). "
        "Default from $KG_STORE.",
    )


def _open(store_uri: str, *, read_only: bool = False):
    from kg.store import open_store

    return open_store(store_uri, read_only=read_only, create=not read_only)


class KgGroup(click.Group):
    """Print :class:`KgError` as one line and exit 1, instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KgError as err:
            click.secho(f"error: {err}", fg="red", err=True)
            sys.exit(1)


@click.group(cls=KgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """kg: a knowledge graph of who does what to whom in geopolitical news.

    \b
    Quick tour:
      kg ingest data/samples            # articles → claims in ./kg-store
      kg stats                          # what the store holds
      kg show "North Korea"             # an actor's claims, with evidence
      kg query "SELECT * WHERE { ?s ?p ?o } LIMIT 5"
      kg viz -o exports/graph.html --open
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s"
    )
    if verbose < 2:
        # The HTML extractor narrates what it discards; kg reports unusable pages itself.
        for noisy in ("trafilatura", "htmldate", "courlan"):
            logging.getLogger(noisy).setLevel(logging.ERROR)


def _report_problems(report: api.IngestReport) -> None:
    for problem in report.problems:
        click.secho(f"error: {problem}", fg="red", err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_option()
@click.option("--date", type=DateType(), help="Publication date for every article read.")
@click.option("--source", help="Source name for every article read.")
@click.option("-j", "--jobs", default=1, show_default=True, help="Extraction processes.")
@click.option("--refresh", is_flag=True, help="Re-extract documents already in the store.")
@click.option(
    "--executor",
    type=click.Choice(api.EXECUTORS),
    default="local",
    show_default=True,
    help="Where extraction runs: local processes (--jobs) or a Dask cluster (--scheduler).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="With --executor dask: the Dask scheduler, e.g. tcp://HOST:8786, or 'local' to "
    "start a cluster of --jobs worker processes here.",
)
@click.option(
    "--progress-every",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    metavar="N",
    help="When stderr is not a terminal, log a progress line every N documents (0: never). "
    "On a terminal a live line shows the rate and the time left.",
)
def ingest(
    paths: tuple[Path, ...],
    store_uri: str,
    date: dt.date | None,
    source: str | None,
    jobs: int,
    refresh: bool,
    executor: str,
    scheduler: str | None,
    progress_every: int,
) -> None:
    """Read articles, extract their claims, and store them.

    PATHS are files or folders (read recursively): .txt (first line is the title when
    a blank line follows), .html, .jsonl (one article a line: id, text, title, date,
    url, source) and RSS/Atom feeds (.xml, .rss, .atom).

    With --executor dask the extraction runs on a Dask cluster (pip install 'kg[dask]'
    here and on the workers); the documents are still written by this process.

    \b
    Example:
      kg ingest data/samples --store ./kg-store
      kg ingest wire/ --executor dask --scheduler tcp://10.0.0.5:8786
    """
    if executor == "dask" and not scheduler:
        raise click.UsageError("--executor dask needs --scheduler ADDRESS (or --scheduler local)")
    if scheduler and executor != "dask":
        raise click.UsageError("--scheduler goes with --executor dask")
    limit_allocator_retention()  # a long run frees write buffers over and over
    progress = IngestProgress(sys.stderr, every=progress_every)
    if progress.live or progress.every:
        progress.count(str(path) for path in paths)
    stopped: api.IngestStopped | None = None
    with _open(store_uri) as store:
        try:
            report = api.ingest(
                paths,
                store,
                date=date,
                source=source,
                jobs=jobs,
                refresh=refresh,
                progress=progress,
                executor=executor,
                scheduler=scheduler,
            )
        except api.IngestStopped as error:
            stopped, report = error, error.report
        finally:
            progress.close()
    _report_problems(report)
    if stopped:
        click.secho(f"error: {stopped}", fg="red", err=True)
    click.echo(
        f"{report.documents} documents read: {report.stored} stored, "
        f"{report.unchanged} unchanged, {report.skipped} already in the store; "
        f"{report.claims} claims; {len(report.problems)} problems."
    )
    if stopped or not report.ok:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSONL file (default: stdout).",
)
@click.option("--date", type=DateType(), help="Publication date for every article read.")
@click.option("--source", help="Source name for every article read.")
@click.option("-j", "--jobs", default=1, show_default=True, help="Extraction processes.")
@min_confidence_option()
def extract(
    paths: tuple[Path, ...],
    output: Path | None,
    date: dt.date | None,
    source: str | None,
    jobs: int,
    min_confidence: float,
) -> None:
    """Extract claims without a store, as JSON Lines (the scoring contract).

    Each line: doc, subject, relation, object, modality, attributed_to, evidence,
    confidence, date. A gold file is a valid input, so extraction can be scored:

    \b
    Example:
      kg extract ../shared/eval/dev.jsonl --output pred.jsonl
      python ../shared/eval/score.py ../shared/eval/dev.jsonl pred.jsonl
    """
    options = {"date": date, "source": source, "jobs": jobs, "min_confidence": min_confidence}
    if output is None:
        report = api.extract_records(paths, sys.stdout, **options)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and move it into place: a failed run leaves neither a
        # half-written output nor a stray partial file.
        partial = output.with_name(output.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8") as handle:
                report = api.extract_records(paths, handle, **options)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(output)
        click.echo(f"{report.documents} documents, {report.claims} claims → {output}", err=True)
    _report_problems(report)
    if not report.ok:
        sys.exit(1)


@main.command()
@click.argument("sparql", required=False)
@click.option(
    "-f",
    "--file",
    "query_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the query from a .rq file.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "tsv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--saved", metavar="NAME", help="Run a saved query of data/queries (see kg queries).")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A saved query's parameter (repeatable); values are bound as RDF terms.",
)
@click.option(
    "--infer",
    is_flag=True,
    help="Also match what the ontology entails: a relation property in a triple pattern "
    "finds its finer properties, symmetric readings (kg:meets both ways) and inverses "
    "(kg:hasMember ↔ kg:memberOf). Applies to the direct triples of asserted claims, not "
    "to claim nodes. Default method: materialise, the faster one once a relation joins "
    "other patterns such as labels (bench/infer.py).",
)
@click.option(
    "--infer-method",
    type=click.Choice(["materialise", "rewrite"]),
    help="How --infer works (implies --infer): materialise copies the triples the query "
    "needs into memory and adds the entailed ones; rewrite turns each relation IRI into "
    "a property path. Same answers (compare with DISTINCT); only materialise also infers "
    "for predicate variables (?s ?p ?o).",
)
@store_option()
def query(
    sparql: str | None,
    query_file: Path | None,
    saved: str | None,
    params: tuple[str, ...],
    infer: bool,
    infer_method: str | None,
    fmt: str,
    store_uri: str,
) -> None:
    """Run a SPARQL query over every graph of the store.

    \b
    Example:
      kg query "SELECT ?s ?o WHERE { ?s kg:militaryAid ?o }"
      kg query --file data/queries/military-aid.rq --format csv
      kg query --saved arms-suppliers-of --param actor="Russia"
      kg query --infer "SELECT DISTINCT ?org ?m WHERE { ?org kg:hasMember ?m }"

    The prefixes kg:, kgid:, wd:, prov:, dcterms:, schema:, skos:, rdfs:, rdf:, owl: and
    xsd: are predeclared.
    """
    from kg.query import format_result, run_query
    from kg.saved import run_saved

    if sum(x is not None for x in (sparql, query_file, saved)) != 1:
        raise click.UsageError("give one of: a SPARQL query, --file or --saved")
    if params and saved is None:
        raise click.UsageError("--param goes with --saved")
    values: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(f"--param {item!r}: write NAME=VALUE")
        values[key.strip()] = value
    with _open(store_uri, read_only=True) as opened:
        store = opened
        if infer or infer_method is not None:
            from kg.infer import DEFAULT_METHOD, InferenceStore

            store = InferenceStore(opened, infer_method or DEFAULT_METHOD)
        if saved is not None:
            result = run_saved(store, saved, values)
        else:
            text = query_file.read_text("utf-8") if query_file else sparql
            result = run_query(store, text)
        out = format_result(result, fmt)
    click.echo(out, nl=not out.endswith("\n"))


@main.command()
@click.argument("name", required=False)
def queries(name: str | None) -> None:
    """List the saved queries of data/queries, or show one with its parameters and text.

    \b
    Example:
      kg queries
      kg queries arms-suppliers-of
    """
    from kg.saved import load_saved, saved_queries

    if name is not None:
        found = load_saved(name)
        click.echo(f"{found.name}: {found.purpose}")
        if found.params:
            click.echo(textwrap.indent(found.usage(), "  "))
        click.echo(found.text)
        return
    for found in saved_queries():
        click.echo(f"{found.name:<26} {found.purpose}")
        if found.params:
            click.echo(textwrap.indent(found.usage(), " " * 27))


@main.command()
@click.argument("actor")
@store_option()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@min_confidence_option()
def show(actor: str, store_uri: str, fmt: str, min_confidence: float) -> None:
    """Show an actor's claims grouped by relation, with evidence and sources.

    ACTOR is a label, an alias or a Wikidata QID.

    \b
    Example:
      kg show "North Korea"
      kg show Q159 --format json
    """
    with _open(store_uri, read_only=True) as store:
        grouped = api.show_actor(store, actor, min_confidence=min_confidence)
    if fmt == "json":
        click.echo(json.dumps(grouped, ensure_ascii=False, indent=2))
        return
    if not grouped:
        click.echo(f"no claims about {actor!r} in the store")
        return
    for label in (lab for lab in SCORING_LABELS if lab in grouped):
        click.secho(label, bold=True)
        for item in grouped[label]:
            claimed = f" — according to {item['attributed_to']}" if item["attributed_to"] else ""
            click.echo(f"  {item['subject']} → {item['object']} [{item['modality']}]{claimed}")
            click.echo(f"    “{item['evidence']}”")
            origin = ", ".join(str(v) for v in (item["title"], item["source"], item["date"]) if v)
            click.echo(f"    {origin or item['document']}")


@main.command()
@store_option()
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def stats(store_uri: str, fmt: str) -> None:
    """Count documents, actors and claims (by relation and modality).

    \b
    Example:
      kg stats --store ./kg-store
    """
    with _open(store_uri, read_only=True) as store:
        numbers = store.stats()
    if fmt == "json":
        click.echo(json.dumps(numbers, indent=2))
        return
    click.echo(
        f"{numbers['documents']} documents, {numbers['actors']} actors, "
        f"{numbers['claims']} claims, {numbers['triples']} triples"
    )
    for title, key in (("by relation", "by_relation"), ("by modality", "by_modality")):
        counts = numbers.get(key) or {}
        if counts:
            click.echo(f"claims {title}:")
            for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
                click.echo(f"  {name:<16} {count:>6}")


@main.command()
@store_option()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_GRAPH,
    show_default=True,
)
@click.option("--open", "open_page", is_flag=True, help="Open the page in the default browser.")
@click.option(
    "--show-negated", is_flag=True, help="Also draw negated claims (same as --modality negated)."
)
@click.option(
    "--ego", metavar="ACTOR", help="Only this actor's neighbourhood (label, alias or QID)."
)
@click.option(
    "--depth", type=click.IntRange(1, 5), default=1, show_default=True, help="Hops for --ego."
)
@claim_filter_options()
def viz(
    store_uri: str,
    output: Path,
    open_page: bool,
    show_negated: bool,
    ego: str | None,
    depth: int,
    claim_filter: ClaimFilter,
) -> None:
    """Draw the store as an interactive HTML graph (works offline, from file://).

    The filters are those of `kg analyze`.

    \b
    Example:
      kg viz -o exports/graph.html --open
      kg viz --relation ATTACKS --relation SANCTIONS --since 2024-01-01
      kg viz --ego "North Korea" --depth 2 -o exports/north-korea.html

    Beyond a few hundred actors the layout is computed in Python and the page's physics
    stays off, so even 5,000 actors load in seconds.
    """
    import dataclasses

    from kg.analyze import filtered_graph, load_claims
    from kg.viz import ego_graph, write_graph_html

    if show_negated and "negated" not in claim_filter.modalities:
        claim_filter = dataclasses.replace(
            claim_filter, modalities=(*claim_filter.modalities, "negated")
        )
    with _open(store_uri, read_only=True) as store:
        claims, _documents = load_claims(store, claim_filter)
    graph = filtered_graph(claims, claim_filter)
    if ego is not None:
        graph = ego_graph(graph, ego, depth)
    output.parent.mkdir(parents=True, exist_ok=True)
    path = write_graph_html(graph, output, title="kg — geopolitical relations")
    click.echo(f"{graph.number_of_nodes()} actors, {graph.number_of_edges()} relations → {path}")
    if open_page:
        click.launch(str(path.resolve()))


@main.command()
@store_option()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to listen on; 0 picks a free one.",
)
@click.option(
    "--cors",
    "cors_origin",
    metavar="ORIGIN",
    help="Let web pages of ORIGIN ('*' for any) query the endpoint "
    "(Access-Control-Allow-Origin). Off by default.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds a query may take before the client gets 503.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_ROWS,
    show_default=True,
    help="Most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) in one answer; a larger "
    "answer is refused with 400.",
)
def serve(
    store_uri: str,
    host: str,
    port: int,
    cors_origin: str | None,
    timeout: float,
    max_rows: int,
) -> None:
    """Serve the store as a read-only SPARQL 1.1 endpoint at /sparql, with the graph page
    at /. Updates are refused; there is no authentication (see SECURITY.md).

    \b
    Example:
      kg serve --port 8765
      curl http://127.0.0.1:8765/sparql --data-urlencode 'query=ASK { ?s ?p ?o }'
    """
    import contextlib
    import signal

    from kg.serve import make_server

    with _open(store_uri, read_only=True) as store:
        server = make_server(
            store, host, port, cors_origin=cors_origin, timeout=timeout, max_rows=max_rows
        )
        click.echo(f"serving {store.location} at {server.url} (SPARQL: {server.endpoint})")
        if not server.is_loopback:
            click.secho(
                f"warning: {server.host} is reachable from other machines and kg serve has "
                "no authentication; see SECURITY.md",
                fg="yellow",
                err=True,
            )
        click.echo("Ctrl-C stops the server", err=True)

        def stop(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt

        previous = None
        with contextlib.suppress(ValueError):  # only the main thread may set handlers
            previous = signal.signal(signal.SIGTERM, stop)  # `kill` stops like Ctrl-C
        try:
            with contextlib.suppress(KeyboardInterrupt):
                server.serve_forever()
        finally:
            server.close()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    click.echo("stopped", err=True)


# --- kg analyze -------------------------------------------------------------------------


def format_option() -> Callable:
    """``--format table|csv|json`` of the analysis commands."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "csv", "json"]),
        default="table",
        show_default=True,
        help="A table for people, CSV or JSON for machines.",
    )


def _cell(value: Any, width: int | None = None) -> str:
    if value is None:
        text = ""
    elif isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, (list, tuple)):
        text = "; ".join(str(v) for v in value)
    else:
        text = str(value)
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def _rows_out(
    rows: list[dict[str, Any]],
    columns: list[str],
    fmt: str,
    *,
    payload: Any = None,
    wide: tuple[str, ...] = ("evidence", "members"),
) -> None:
    """Print rows as an aligned table, CSV (lists joined by "; ") or JSON (``payload``
    when given, else the rows)."""
    if fmt == "json":
        click.echo(json.dumps(rows if payload is None else payload, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        click.echo(buffer.getvalue(), nl=False)
        return
    cells = [
        [_cell(row.get(c), 70 if any(w in c for w in wide) else 40) for c in columns]
        for row in rows
    ]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


@main.group()
def analyze() -> None:
    """Analyse the claims as a network: who is central, who groups with whom, how
    two actors are connected or get along over time, and which claims sources dispute.

    Every subcommand takes the same filters (--relation, --modality, --since, --until,
    --min-confidence, --actor-type, --source) and --format table|csv|json.

    \b
    Example:
      kg analyze centrality --top 10
      kg analyze dyad "North Korea" Russia --plot exports/dyad.png
    """


@analyze.command(name="centrality")
@store_option()
@claim_filter_options()
@click.option("--top", default=20, show_default=True, help="How many actors (0: all).")
@format_option()
def analyze_centrality(store_uri: str, claim_filter, top: int, fmt: str) -> None:
    """The most central actors: degree, claims, PageRank and betweenness.

    \b
    Example:
      kg analyze centrality --top 10 --relation MILITARY_AID --format csv
    """
    from kg.analyze import centrality, filtered_graph, load_claims

    with _open(store_uri, read_only=True) as store:
        claims, _documents = load_claims(store, claim_filter)
    rows = centrality(filtered_graph(claims, claim_filter), top=top or None)
    columns = ["rank", "actor", "type", "degree", "claims", "pagerank", "betweenness"]
    _rows_out(rows, columns, fmt)


@analyze.command(name="communities")
@store_option()
@claim_filter_options()
@format_option()
def analyze_communities(store_uri: str, claim_filter, fmt: str) -> None:
    """Groups of actors tied by many claims (Louvain, fixed seed).

    Conflict ties pull actors together too: pass cooperation labels with --relation
    for "who is with whom".

    \b
    Example:
      kg analyze communities --relation ALLIED_WITH --relation MILITARY_AID
    """
    from kg.analyze import communities, filtered_graph, load_claims

    with _open(store_uri, read_only=True) as store:
        claims, _documents = load_claims(store, claim_filter)
    rows = communities(filtered_graph(claims, claim_filter))
    _rows_out(rows, ["community", "size", "claims_within", "members"], fmt)


@analyze.command(name="path")
@click.argument("actor_a")
@click.argument("actor_b")
@store_option()
@claim_filter_options()
@format_option()
def analyze_path(store_uri: str, actor_a: str, actor_b: str, claim_filter, fmt: str) -> None:
    """How two actors are connected: the shortest chain of claims, each hop with its
    relations and one evidence sentence.

    ACTOR_A and ACTOR_B are labels, aliases or Wikidata QIDs.

    \b
    Example:
      kg analyze path "North Korea" Ukraine
    """
    from kg.analyze import filtered_graph, load_claims, path

    with _open(store_uri, read_only=True) as store:
        claims, _documents = load_claims(store, claim_filter)
    hops = path(filtered_graph(claims, claim_filter), actor_a, actor_b)
    columns = ["step", "from", "relations", "to", "claims", "modality", "evidence", "document"]
    _rows_out(hops, columns, fmt)


@analyze.command(name="dyad")
@click.argument("actor_a")
@click.argument("actor_b")
@store_option()
@claim_filter_options()
@format_option()
@click.option(
    "--plot",
    "plot_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the monthly scores as a PNG (needs matplotlib).",
)
def analyze_dyad(
    store_uri: str, actor_a: str, actor_b: str, claim_filter, fmt: str, plot_file: Path | None
) -> None:
    """Every claim between two actors over time, and a cooperation–conflict score per
    month: +1 material cooperation, +0.5 verbal cooperation, −0.5 verbal conflict,
    −1 material conflict (negated claims 0).

    The table shows the claims, then the months; CSV gives the claims (with month and
    weight); JSON gives both.

    \b
    Example:
      kg analyze dyad "North Korea" Russia --plot exports/dyad.png
    """
    from kg.analyze import dyad, load_claims, plot_dyad

    with _open(store_uri, read_only=True) as store:
        claims, documents = load_claims(store, claim_filter)
    result = dyad(claims, actor_a, actor_b, documents)
    claim_columns = [
        "date",
        "subject",
        "relation",
        "object",
        "modality",
        "weight",
        "source",
        "evidence",
    ]
    if fmt == "table":
        click.secho(f"{result.a} – {result.b}: {len(result.claims)} claims", bold=True)
        _rows_out(result.claims, claim_columns, fmt)
        click.echo()
        _rows_out(result.months, ["month", "claims", "cooperation", "conflict", "score"], fmt)
        if result.undated:
            click.echo(f"({result.undated} undated claims are in no month)")
    else:
        _rows_out(
            result.claims,
            ["month", *claim_columns, "quad_class", "document", "confidence"],
            fmt,
            payload=result.to_dict(),
        )
    if plot_file is not None:
        written = plot_dyad(result, plot_file)
        click.echo(f"wrote {written}", err=True)


@analyze.command(name="balance")
@store_option()
@claim_filter_options()
@format_option()
def analyze_balance(store_uri: str, claim_filter, fmt: str) -> None:
    """Structural balance of the signed graph (cooperation +, conflict −): the share of
    balanced triads, and the unbalanced ones.

    A pair's sign is that of the majority of its claims; ties are left out.

    \b
    Example:
      kg analyze balance --format json
    """
    from kg.analyze import balance, filtered_graph, load_claims

    with _open(store_uri, read_only=True) as store:
        claims, _documents = load_claims(store, claim_filter)
    result = balance(filtered_graph(claims, claim_filter))
    rows = [
        {
            "actor_a": t["actors"][0],
            "actor_b": t["actors"][1],
            "actor_c": t["actors"][2],
            "a_b": t["signs"][f"{t['actors'][0]}–{t['actors'][1]}"],
            "b_c": t["signs"][f"{t['actors'][1]}–{t['actors'][2]}"],
            "a_c": t["signs"][f"{t['actors'][0]}–{t['actors'][2]}"],
        }
        for t in result.unbalanced
    ]
    if fmt == "table":
        share = "n/a" if result.share is None else f"{result.share:.0%}"
        click.echo(
            f"{result.positive} positive and {result.negative} negative ties; "
            f"{result.triads} signed triads, {result.balanced} balanced ({share})"
        )
        if not rows:
            return
        click.echo("unbalanced triads:")
    _rows_out(
        rows, ["actor_a", "actor_b", "actor_c", "a_b", "b_c", "a_c"], fmt, payload=result.to_dict()
    )


@analyze.command(name="disputes")
@store_option()
@claim_filter_options(default_modalities=_ALL_MODALITIES)
@format_option()
def analyze_disputes(store_uri: str, claim_filter, fmt: str) -> None:
    """Claims that sources contradict: asserted by one source, negated or hedged by
    another (a source is who the claim is attributed to, else the article's source).

    Every modality is read unless --modality says otherwise.

    \b
    Example:
      kg analyze disputes --format csv
    """
    from kg.analyze import disputes, load_claims

    with _open(store_uri, read_only=True) as store:
        claims, documents = load_claims(store, claim_filter)
    rows = disputes(claims, documents)
    if fmt == "table":
        for row in rows:
            click.secho(f"{row['subject']} –{row['relation']}→ {row['object']}", bold=True)
            click.echo(f"  asserted by {row['asserted_by']}: “{row['asserted_evidence']}”")
            click.echo(
                f"  {row['disputed_modality']} by {row['disputed_by']}: "
                f"“{row['disputed_evidence']}”"
            )
        click.echo(f"{len(rows)} disputed claims")
        return
    columns = [
        "subject",
        "relation",
        "object",
        "asserted_by",
        "asserted_evidence",
        "asserted_document",
        "disputed_by",
        "disputed_modality",
        "disputed_evidence",
        "disputed_document",
    ]
    _rows_out(rows, columns, fmt)


@main.command()
@store_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS + GRAPH_FORMATS),
    default="trig",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="File to write (default: stdout); a folder for neo4j and csv.",
)
def export(store_uri: str, fmt: str, output: Path | None) -> None:
    """Export the store: RDF (named graphs kept by nq, trig and jsonld), GraphML and GEXF
    (Gephi), Cytoscape.js JSON, Neo4j import files, or CSV tables of nodes, edges and
    claims.

    RDF from the on-disk store streams: memory does not grow with the store. ttl, nt and
    xml write the union graph graph by graph, so a triple that several graphs state
    appears once per graph. jsonld is compact JSON-LD with kg's context embedded
    (ontology/context.jsonld). The graph formats (graphml … csv) build the claim network
    in memory; so does any export of a memory: store.

    \b
    Example:
      kg export --format nq -o exports/backup.nq
      kg export --format gexf -o exports/graph.gexf
      kg export --format neo4j -o exports/neo4j
    """
    if fmt in GRAPH_FORMATS:
        _export_graph(store_uri, fmt, output)
        return
    with _open(store_uri, read_only=True) as store:
        if output is None:
            store.export(sys.stdout.buffer, fmt)
        else:
            output.parent.mkdir(parents=True, exist_ok=True)
            store.export(output, fmt)
            click.echo(f"wrote {output}", err=True)


def _export_graph(store_uri: str, fmt: str, output: Path | None) -> None:
    from kg.io import EXPORTERS

    exporter = EXPORTERS[fmt]
    if exporter.folder and output is None:
        raise click.UsageError(f"--format {fmt} writes several files: give a folder with -o")
    with _open(store_uri, read_only=True) as store:
        claims = store.claims()
        documents = store.documents() if exporter.takes_documents else None
    options = {"documents": documents} if exporter.takes_documents else {}
    if output is None:
        exporter.write(claims, sys.stdout.buffer, **options)
        return
    (output if exporter.folder else output.parent).mkdir(parents=True, exist_ok=True)
    exporter.write(claims, output, **options)
    click.echo(f"wrote {output}", err=True)


@main.command(name="import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@store_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS + IMPORT_FORMATS),
    help="Default: from the suffix (RDF formats). csv: kg's claims table; gdelt: GDELT 2.0 "
    "Event export files.",
)
def import_(files: tuple[Path, ...], store_uri: str, fmt: str | None) -> None:
    """Load RDF files (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML), kg's claims CSV
    or GDELT 2.0 event exports into the store.

    \b
    Example:
      kg import exports/backup.nq --store ./restored-store
      kg import --format gdelt 20150218230000.export.CSV
    """
    failed = 0
    limit_allocator_retention()
    with _open(store_uri) as store:
        for path in files:
            try:
                if fmt in IMPORT_FORMATS:
                    failed += _import_claims(store, path, fmt)
                    continue
                count = store.import_file(path, fmt)
            except KgError as err:
                click.secho(f"error: {err}", fg="red", err=True)
                failed += 1
                continue
            click.echo(f"{path}: {count} triples")
    if failed:
        sys.exit(1)


def _import_claims(store: Store, path: Path, fmt: str) -> int:
    """Store each document a claims table or an event export holds; count bad rows."""
    from kg.io import IMPORTERS, GdeltStats

    stats = GdeltStats() if fmt == "gdelt" else None
    reader = IMPORTERS[fmt]
    items = reader(path, stats=stats) if stats is not None else reader(path)
    documents = claims = problems = 0
    for item in items:
        if isinstance(item, InputProblem):
            click.secho(f"error: {item}", fg="red", err=True)
            problems += 1
            continue
        document, found = item
        store.replace_document(document, found)
        documents += 1
        claims += len(found)
    click.echo(f"{path}: {documents} documents, {claims} claims")
    if stats is not None:
        click.echo(str(stats))
    return problems


@main.command()
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@store_option()
def validate(file: Path | None, store_uri: str) -> None:
    """Check the store (or an RDF FILE) against the SHACL shapes of ontology/shapes.ttl.

    Prints each violation (node, property, message) and exits 1 if there is any.

    \b
    Example:
      kg validate --store ./kg-store
      kg validate exports/backup.nq
    """
    from kg.validate import validate_file, validate_store

    if file is not None:
        result = validate_file(file)
    else:
        with _open(store_uri, read_only=True) as store:
            result = validate_store(store)
    for violation in result.violations:
        click.echo(str(violation))
    if result.conforms:
        click.echo("conforms to ontology/shapes.ttl")
        return
    click.secho(f"{len(result.violations)} violations", fg="red", err=True)
    sys.exit(1)


@main.command(name="eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--verbose", is_flag=True, help="List each passage's misses and false alarms.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("-j", "--jobs", default=1, show_default=True, help="Extraction processes.")
@click.option(
    "--predictions",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Score this JSONL of predictions instead of extracting.",
)
def eval_(gold: Path, verbose: bool, fmt: str, jobs: int, predictions: Path | None) -> None:
    """Score extraction against a gold file: per-label and overall P/R/F1.

    Runs extraction on the passages of GOLD (JSONL, format of shared/eval/README.md)
    and compares the claims with the annotated relations. The last line of the text
    report is the headline: "relations F1 <f1> P <p> R <r>".

    \b
    Example:
      kg eval ../shared/eval/dev.jsonl --verbose
      kg eval ../shared/eval/dev.jsonl --predictions pred.jsonl --format json
    """
    from kg.evaluate import evaluate, format_report, load_gold, load_predictions, score

    if predictions is None:
        report = evaluate(gold, jobs=jobs)
    else:
        report = score(load_gold(gold), load_predictions(predictions))
    if fmt == "json":
        click.echo(report.to_json())
    else:
        click.echo(format_report(report, verbose=verbose))


if __name__ == "__main__":  # pragma: no cover
    main()
