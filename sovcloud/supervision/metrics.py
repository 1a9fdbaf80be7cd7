"""Platform metrics read from the database at scrape time: orders, steps, the queue, workers, logins, audit.

Whatever process answers the scrape reads the same tables, so these figures are right however many API
processes and workers run, on however many machines, with nothing to share between processes. Every figure
is one aggregate query (``GROUP BY``, or ``SUM(CASE …)`` for a histogram's buckets): the cost of a scrape
grows with the size of the tables' indexes, never with Python work per row.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString
from sqlalchemy import ColumnElement, case, func, literal_column, select
from sqlalchemy.orm import Session

from sovcloud.audit import service as audit_service
from sovcloud.audit import verifications
from sovcloud.audit.models import AuditEvent, AuditHead
from sovcloud.clock import now
from sovcloud.orders.choices import OrderStatus
from sovcloud.orders.models import Order
from sovcloud.provisioning import heartbeats
from sovcloud.provisioning.models import Step, StepKind, StepStatus

#: time from submission to delivery of an order, in seconds
DELIVERY_BUCKETS = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 14400.0, 86400.0)
#: time from a step's creation to its end, in seconds
STEP_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
LOGIN_ACTIONS = ("user.login", "user.throttled")


def seconds_between(session: Session, end: Any, start: Any) -> ColumnElement[Any]:
    """``end - start`` in seconds, computed by the database (PostgreSQL or SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def bucket_index(duration: ColumnElement[Any], buckets: Sequence[float]) -> ColumnElement[int]:
    """The index of the first bucket ``duration`` fits in (``len(buckets)``: above the last). The bounds are
    written into the SQL (our own constants), so the same expression can be grouped by on PostgreSQL."""
    return case(*[(duration <= literal_column(repr(float(b))), literal_column(str(i))) for i, b in enumerate(buckets)],
                else_=literal_column(str(len(buckets))))


def histogram_rows(session: Session, label: Any, start: Any, end: Any, where: ColumnElement[bool],
                   buckets: Sequence[float]) -> dict[str, tuple[list[int], float]]:
    """Per value of ``label``: the count of rows in each bucket of ``end - start`` and their sum. The
    duration is computed once per row (a materialized CTE), counted per bucket by one ``GROUP BY``."""
    durations = (select(label.label("label"), seconds_between(session, end, start).label("s")).where(where)
                 .cte("durations").prefix_with("MATERIALIZED"))
    bucket = bucket_index(durations.c.s, buckets).label("bucket")
    rows = session.execute(select(durations.c.label, bucket, func.count(), func.coalesce(func.sum(durations.c.s), 0.0))
                           .group_by(durations.c.label, bucket))
    found: dict[str, tuple[list[int], float]] = {}
    for value, index, n, total in rows:
        counts, so_far = found.get(str(value), ([0] * (len(buckets) + 1), 0.0))
        counts[int(index)] += int(n)
        found[str(value)] = (counts, so_far + float(total or 0.0))
    return found


def histogram_sample(family: HistogramMetricFamily, labels: list[str], counts: list[int], total: float,
                     buckets: Sequence[float]) -> None:
    """Add one labelled histogram to ``family`` from per-bucket counts (the last: above every bound)."""
    points, running = [], 0
    for bound, n in zip(buckets, counts, strict=False):
        running += n
        points.append((floatToGoString(bound), float(running)))
    points.append(("+Inf", float(sum(counts))))
    family.add_metric(labels, points, sum_value=total)


class LoginTally:
    """Login failures and lockouts counted from the journal: each scrape reads only the entries added since
    the last one (``seq`` is the journal's primary key), so the counters stay cheap on a journal of millions
    of entries and are the same whichever process answers (they are counted from the same rows)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seen_seq = 0
        self.counts: dict[tuple[str, str], int] = {}

    def update(self, session: Session) -> dict[tuple[str, str], int]:
        with self._lock:
            newest = int(session.scalar(select(func.max(AuditEvent.seq))) or 0)
            if newest < self.seen_seq:  # the journal was replaced (a restore): count it again
                self.seen_seq, self.counts = 0, {}
            if newest > self.seen_seq:
                rows = session.execute(
                    select(AuditEvent.action, AuditEvent.outcome, func.count())
                    .where(AuditEvent.seq > self.seen_seq, AuditEvent.seq <= newest,
                           AuditEvent.action.in_(LOGIN_ACTIONS))
                    .group_by(AuditEvent.action, AuditEvent.outcome))
                for action, outcome, n in rows:
                    self.counts[(action, outcome)] = self.counts.get((action, outcome), 0) + int(n)
                self.seen_seq = newest
            return dict(self.counts)


def _orders(session: Session) -> Iterator[Metric]:
    by_state = dict(session.execute(select(Order.status, func.count()).group_by(Order.status)).all())
    orders = GaugeMetricFamily("sovcloud_orders", "Orders by state.", labels=["state"])
    for state in OrderStatus:
        orders.add_metric([state.value], float(by_state.get(state, 0)))
    yield orders
    found = histogram_rows(session, Order.status, Order.submitted_at, Order.completed_at,
                           (Order.status == OrderStatus.COMPLETED) & Order.submitted_at.is_not(None)
                           & Order.completed_at.is_not(None), DELIVERY_BUCKETS)
    delivery = HistogramMetricFamily("sovcloud_order_delivery_seconds",
                                     "Time from an order's submission to its delivery (completed orders).")
    counts, total = found.get(OrderStatus.COMPLETED.value, ([0] * (len(DELIVERY_BUCKETS) + 1), 0.0))
    histogram_sample(delivery, [], counts, total, DELIVERY_BUCKETS)
    yield delivery


def _steps(session: Session, at: datetime) -> Iterator[Metric]:
    by_kind = session.execute(select(Step.kind, Step.status, func.count(), func.coalesce(
        func.sum(case((Step.attempts > 1, Step.attempts - 1), else_=0)), 0)).group_by(Step.kind, Step.status)).all()
    steps = GaugeMetricFamily("sovcloud_steps", "Provisioning steps by kind and state.", labels=["kind", "state"])
    retries = CounterMetricFamily("sovcloud_step_retries", "Attempts of steps beyond their first, by kind.",
                                  labels=["kind"])
    compensations = CounterMetricFamily("sovcloud_compensations",
                                        "Compensation steps made (deleting what a failed order created), by state.",
                                        labels=["state"])
    seen = {(str(k), str(s)): (int(n), int(r)) for k, s, n, r in by_kind}
    for kind in StepKind:
        for state in StepStatus:
            steps.add_metric([kind.value, state.value], float(seen.get((kind.value, state.value), (0, 0))[0]))
        retries.add_metric([kind.value], float(sum(r for (k, _), (_, r) in seen.items() if k == kind.value)))
    for state in StepStatus:
        compensations.add_metric([state.value], float(seen.get((StepKind.COMPENSATE.value, state.value), (0, 0))[0]))
    yield from (steps, retries, compensations)
    found = histogram_rows(session, Step.kind, Step.created_at, Step.finished_at, Step.finished_at.is_not(None),
                           STEP_BUCKETS)
    latency = HistogramMetricFamily("sovcloud_step_duration_seconds",
                                    "Time from a step's creation to its end (finished steps), by kind.",
                                    labels=["kind"])
    for kind_name, (bucket_counts, total) in sorted(found.items()):
        histogram_sample(latency, [kind_name], bucket_counts, total, STEP_BUCKETS)
    yield latency
    waiting = (Step.status == StepStatus.PENDING) & (Step.next_attempt_at.is_(None) | (Step.next_attempt_at <= at))
    count, oldest = session.execute(select(func.count(), func.min(Step.created_at)).where(waiting)).one()
    yield GaugeMetricFamily("sovcloud_steps_waiting", "Steps due to run and not taken by a worker yet.",
                            value=float(count))
    age = max(0.0, (at - oldest).total_seconds()) if oldest is not None else 0.0
    yield GaugeMetricFamily("sovcloud_step_oldest_waiting_seconds",
                            "Age of the oldest step due to run and not taken yet (0: none waits).", value=age)
    expired = session.scalar(select(func.count()).where(Step.status == StepStatus.RUNNING, Step.lease_until < at))
    yield GaugeMetricFamily("sovcloud_steps_lease_expired",
                            "Running steps whose worker's lease ran out (the reaper gives them to another).",
                            value=float(expired or 0))


def _workers(session: Session, beat_s: float) -> Iterator[Metric]:
    states = heartbeats.workers(session, beat_s=beat_s)
    up = GaugeMetricFamily("sovcloud_worker_up", "1 while the worker beats, 0 once it missed three beats.",
                           labels=["worker"])
    last = GaugeMetricFamily("sovcloud_worker_last_beat_timestamp_seconds", "Time of the worker's last beat.",
                             labels=["worker"])
    for s in states:
        up.add_metric([s.worker], 1.0 if s.alive else 0.0)
        last.add_metric([s.worker], s.seen_at.timestamp())
    yield from (up, last)
    yield GaugeMetricFamily("sovcloud_workers_alive", "Workers beating now.", value=float(sum(s.alive for s in states)))


def _identity(session: Session, tally: LoginTally) -> Iterator[Metric]:
    counts = tally.update(session)
    failures = CounterMetricFamily("sovcloud_login_failures", "Failed login steps (password or second factor).")
    failures.add_metric([], float(counts.get(("user.login", "failure"), 0)))
    lockouts = CounterMetricFamily("sovcloud_login_lockouts",
                                   "Accounts throttled after repeated failures from one address.")
    lockouts.add_metric([], float(sum(n for (action, _), n in counts.items() if action == "user.throttled")))
    logins = CounterMetricFamily("sovcloud_logins", "Successful logins.")
    logins.add_metric([], float(counts.get(("user.login", "success"), 0)))
    yield from (failures, lockouts, logins)


def _audit(session: Session) -> Iterator[Metric]:
    head = session.get(AuditHead, 1)
    yield GaugeMetricFamily("sovcloud_audit_entries", "Entries in the audit journal (its head's number).",
                            value=float(head.seq if head else 0))
    yield GaugeMetricFamily("sovcloud_audit_head_ok", "1 when the journal's sealed head is intact and names its "
                            "newest entry (checked at each scrape).",
                            value=1.0 if audit_service.head_intact(session) else 0.0)
    last = verifications.newest(session)
    if last is not None:  # no series before the first walk: absent() says "never verified"
        yield GaugeMetricFamily("sovcloud_audit_verification_ok", "1 when the last walk of the whole chain (the "
                                "audit-verify job) found it intact.", value=1.0 if last.ok else 0.0)
        yield GaugeMetricFamily("sovcloud_audit_verification_timestamp_seconds", "When the last walk of the whole "
                                "chain ended (Unix time).", value=last.verified_at.timestamp())


def platform_metrics(session: Session, *, beat_s: float, tally: LoginTally) -> Iterable[Metric]:
    """Every platform figure, read in ``session``."""
    at = now()
    yield from _orders(session)
    yield from _steps(session, at)
    yield from _workers(session, beat_s)
    yield from _identity(session, tally)
    yield from _audit(session)
