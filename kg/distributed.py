"""Extraction on a Dask cluster: the client streams documents out, claims come back.

``kg ingest --executor dask --scheduler tcp://HOST:8786`` sends batches of documents to
the workers of a ``dask.distributed`` cluster. Each worker process loads the spaCy model
once (a worker plugin loads it when the worker joins) and runs the same
:class:`~kg.extract.Extractor` as a local run, so the claims are the same. Nothing is
written on the workers: the client receives each document's claims and stores the
document itself, so the store's one-transaction-per-document rule still holds.

Only a bounded number of batches is in flight at a time and results come back in input
order, so the client's memory stays flat however long the stream of documents is.

This module imports ``dask``; the rest of ``kg`` imports it only when a Dask run is
asked for (the optional extra ``kg[dask]``). Workers need ``kg`` installed too, at the
same version.

>>> import kg
>>> from kg.distributed import extract_on_dask
>>> from kg.model import InputProblem
>>> docs = [kg.Document("Russia invaded Ukraine.", name="x")]
>>> with kg.open_store("memory:") as store:                       # doctest: +SKIP
...     for doc, claims in extract_on_dask(docs, "tcp://10.0.0.5:8786"):
...         if not isinstance(claims, InputProblem):
...             store.replace_document(doc, claims)
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from kg.errors import KgError
from kg.extract import Extractor
from kg.model import Claim, Document, InputProblem

try:
    from distributed import Client, Future, LocalCluster, WorkerPlugin
except ImportError as missing:  # pragma: no cover - the extra is part of the test install
    raise KgError(
        f"the Dask executor needs dask.distributed ({missing}); "
        "install it with `pip install 'kg[dask]'`"
    ) from None

__all__ = ["LOCAL_SCHEDULER", "DaskError", "connect", "extract_on_dask"]

log = logging.getLogger(__name__)

# ``--scheduler local``: start a LocalCluster in this process instead of connecting.
LOCAL_SCHEDULER = "local"
# How long to wait for a scheduler to answer, and for its first worker to join.
CONNECT_TIMEOUT = 30.0
WORKER_TIMEOUT = 120.0
_PLUGIN_NAME = "kg-extractor"

Result = list[Claim] | InputProblem


class DaskError(KgError):
    """The Dask cluster cannot be reached or cannot run kg's extraction."""


# --- the worker side ------------------------------------------------------------------

# One extractor per worker process. The lock makes the threads of a worker take turns:
# spaCy gains nothing from threads, and one model per process keeps memory predictable.
_extractor: Extractor | None = None
_lock = threading.Lock()


def _loaded() -> Extractor:
    """This process's extractor, with its model loaded (call with ``_lock`` held)."""
    global _extractor
    if _extractor is None:
        extractor = Extractor()
        extractor.nlp  # noqa: B018 - load the model and check the lexicon now
        _extractor = extractor
    return _extractor


def _load_model() -> None:
    with _lock:
        _loaded()


def _extract_batch(batch: list[Document]) -> list[Result]:
    """Runs on a worker: each document's claims (or problem), in the batch's order.

    Only the results travel back; the client still holds the documents.
    """
    with _lock:
        extractor = _loaded()
        return [result for _, result in extractor.extract_many(batch)]


class _ModelLoader(WorkerPlugin):
    """Loads the model when a worker joins, so the first batch does not wait for it."""

    idempotent = True

    async def setup(self, worker: Any) -> None:
        # In a thread, so the worker keeps answering the scheduler's heartbeats meanwhile.
        await asyncio.get_running_loop().run_in_executor(None, _load_model)


# --- the client side ------------------------------------------------------------------


@contextmanager
def connect(scheduler: str, *, workers: int = 1) -> Iterator[Client]:
    """A Dask client of the scheduler at ``scheduler`` (``tcp://host:8786``), closed on exit.

    ``"local"`` starts a LocalCluster of ``workers`` processes with one thread each on
    this machine instead, and stops it on exit.
    """
    with _quiet_dask_logs() as verbose:
        if scheduler.strip().lower() == LOCAL_SCHEDULER:
            cluster = LocalCluster(
                n_workers=max(workers, 1),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                # kg reports each failed document itself, on one line.
                silence_logs=logging.WARNING if verbose else logging.CRITICAL,
            )
            with cluster, Client(cluster, set_as_default=False) as client:
                yield client
            return
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as err:
            raise DaskError(
                f"cannot reach the Dask scheduler at {scheduler!r} ({err}); start one with "
                "`dask scheduler` and give its address, e.g. --scheduler tcp://HOST:8786"
            ) from None
        with client:
            yield client


@contextmanager
def _quiet_dask_logs() -> Iterator[bool]:
    """Keep Dask's INFO chatter (every connection, every worker) out of kg's output
    unless the root logger asks for it (``kg -v``); yields whether it does."""
    verbose = logging.getLogger().getEffectiveLevel() < logging.WARNING
    dask_logger = logging.getLogger("distributed")
    previous = dask_logger.level
    if not verbose:
        dask_logger.setLevel(logging.WARNING)
    try:
        yield verbose
    finally:
        dask_logger.setLevel(previous)


def _prepare(client: Client, scheduler: str) -> int:
    """Wait for a worker, have every worker load the model; the number of worker threads."""
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except TimeoutError:
        raise DaskError(
            f"no Dask worker joined the scheduler at {scheduler} within {WORKER_TIMEOUT:.0f} s; "
            f"start some with `dask worker {scheduler} --nthreads 1`"
        ) from None
    try:
        client.register_plugin(_ModelLoader(), name=_PLUGIN_NAME)
    except KgError:
        raise  # e.g. the spaCy model is missing on a worker: its own message says what to do
    except ImportError as err:
        raise DaskError(
            f"the Dask workers cannot import kg ({err}); install kg, at the same version, "
            "wherever a worker runs"
        ) from None
    return sum(client.nthreads().values())


def extract_on_dask(
    documents: Iterable[Document],
    scheduler: str | Client,
    *,
    batch_size: int = 32,
    workers: int = 1,
    max_in_flight: int | None = None,
) -> Iterator[tuple[Document, list[Claim] | InputProblem]]:
    """Claims of each document, extracted on a Dask cluster, streaming, in input order.

    ``scheduler`` is an address (``tcp://host:8786``), ``"local"`` for a LocalCluster of
    ``workers`` processes started here, or a connected :class:`distributed.Client`
    (left open). Documents go out in batches of ``batch_size``; at most
    ``max_in_flight`` batches (default: twice the cluster's worker threads) are out at
    once. A document whose extraction fails yields an :class:`InputProblem`, as with
    :meth:`Extractor.extract_many`: when a whole batch fails, its documents are retried
    one by one so that only the bad ones are reported.
    """
    with ExitStack() as stack:
        if isinstance(scheduler, Client):
            client, where = scheduler, str(scheduler.scheduler.address)
        else:
            client, where = stack.enter_context(connect(scheduler, workers=workers)), scheduler
        threads = _prepare(client, where)
        limit = max_in_flight or 2 * max(threads, 1)
        in_flight: deque[tuple[list[Document], Future]] = deque()
        try:
            for batch in _batched(documents, batch_size):
                in_flight.append((batch, client.submit(_extract_batch, batch, pure=False)))
                if len(in_flight) >= limit:
                    yield from _collect(client, *in_flight.popleft())
            while in_flight:
                yield from _collect(client, *in_flight.popleft())
        finally:
            if in_flight and client.status == "running":  # the caller stopped early
                client.cancel([future for _, future in in_flight])


def _collect(
    client: Client, batch: list[Document], future: Future
) -> Iterator[tuple[Document, Result]]:
    """A finished batch's results; a failed batch is retried document by document."""
    try:
        results = future.result()
    except KgError:
        raise
    except Exception as err:
        _check_running(client, err)
        log.warning("a batch failed on Dask (%s): retrying its documents one by one", _reason(err))
        yield from _one_by_one(client, batch)
        return
    yield from zip(batch, results, strict=True)


def _one_by_one(client: Client, batch: list[Document]) -> Iterator[tuple[Document, Result]]:
    futures = [client.submit(_extract_batch, [doc], pure=False) for doc in batch]
    for doc, future in zip(batch, futures, strict=True):
        try:
            (result,) = future.result()
        except KgError:
            raise
        except Exception as err:
            _check_running(client, err)
            where = doc.origin or doc.name
            log.debug("extraction of %s failed on Dask: %r", where, err)
            result = InputProblem(where, f"extraction failed on the Dask cluster: {_reason(err)}")
        yield doc, result


def _reason(err: BaseException) -> str:
    """The error's type and first sentence: enough for a one-line report."""
    first = str(err).strip().split("\n")[0].split(". ")[0]
    text = f"{type(err).__name__}: {first}" if first else type(err).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _check_running(client: Client, err: BaseException) -> None:
    """A lost scheduler stops the run: retrying document by document would not help."""
    if client.status != "running":
        raise DaskError(f"lost the connection to the Dask scheduler ({err!r})") from None


def _batched(items: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, max(size, 1))):
        yield batch
