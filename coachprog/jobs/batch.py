"""Batch jobs that work through many items (the certification tick and its reminders, the
retention purge, the fidelity refresh): one bad item never stops the others.

Policy (issue 19): each item runs in its own savepoint; an item that fails is rolled back on
its own, written to the log, recorded in the audit log (`<batch>.item_failed`, with the reason)
and returned in the run's summary, which the CLI prints and the scheduler logs, and the batch
carries on with the next item.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from coachprog.errors import DomainError
from coachprog.extensions import db
from coachprog.governance import services as audit
from coachprog.jobs.models import BatchRun

log = logging.getLogger(__name__)
MAX_REASON = 300


@dataclass(frozen=True)
class ItemFailure:
    """One item a batch could not process, and why (words for an operator, no content)."""

    object_type: str
    object_id: int | str
    reason: str

    def line(self) -> str:
        return f"{self.object_type} {self.object_id}: FAILED, {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"object_type": self.object_type, "object_id": self.object_id,
                "reason": self.reason}


def reason_of(error: BaseException) -> str:
    """A one-line reason: a DomainError's own words, otherwise the error's type and first
    line (SQL parameters are hidden by the engine's settings)."""
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else ""
    text = first if isinstance(error, DomainError) else f"{type(error).__name__}: {first}"
    text = text.strip().rstrip(":")
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 1] + "…"


def record_failure(failures: list[ItemFailure], *, batch: str, object_type: str,
                   object_id: int | str, actor: Any, reason: str) -> ItemFailure:
    """Note one item's failure: the log, the audit log (in the batch's transaction) and the
    run's list."""
    failure = ItemFailure(object_type, object_id, reason)
    log.error("%s: %s", batch, failure.line())
    failures.append(failure)
    audit.record(f"{batch}.item_failed", actor=actor, object_type=object_type,
                 object_id=object_id, detail={"reason": reason})
    return failure


@dataclass
class Item:
    """What `one_item` yields: after the block, whether the item failed."""

    failed: bool = False


@contextmanager
def one_item(failures: list[ItemFailure], *, batch: str, object_type: str,
             object_id: int | str, actor: Any) -> Iterator[Item]:
    """`with one_item(...) as item:` the work for one item, in a savepoint. When it raises,
    only that item's changes roll back; the failure is logged (with its traceback), audited
    and appended to `failures`, `item.failed` is set, and the caller's loop goes on."""
    item = Item()
    try:
        with db.session.begin_nested():
            yield item
            db.session.flush()  # a refused write fails here, inside the item's savepoint
    except Exception as error:
        log.exception("%s: %s %s failed; going on with the others", batch, object_type,
                      object_id)
        item.failed = True
        record_failure(failures, batch=batch, object_type=object_type, object_id=object_id,
                       actor=actor, reason=reason_of(error))


def record_run(batch: str, counts: dict[str, int], *, failures: int = 0) -> BatchRun:
    """Note that a batch ran, with what it did in counts, in the run's transaction (so a
    rolled-back run leaves no record). Runs that changed nothing are recorded too: the
    retention register shows when each enforcing job last ran."""
    run = BatchRun(batch=batch, via=audit.current_origin().via, counts=dict(counts),
                   failures=failures)
    db.session.add(run)
    return run
