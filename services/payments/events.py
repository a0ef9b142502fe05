"""What the payments service publishes (docs/events.md, v1): the payload models below are the one serialiser of
its events — each event is a ``kit.events.Envelope`` whose payload is one of them, serialised by pydantic. A run
writes one ``payment_issued`` per payment, in bulk, through the same models."""
from __future__ import annotations

import json
import os
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from kit.events import Envelope

PRODUCER = "payments"
PAYMENT_ISSUED = "payments.payment_issued.v1"
RECOVERY_CONFIRMED = "payments.recovery_confirmed.v1"
PAYMENT_RETURNED = "payments.payment_returned.v1"
REPAYMENT_RECEIVED = "payments.repayment_received.v1"


def new_ids(n: int) -> list[str]:
    """``n`` random (version 4) UUIDs as strings, made in one go: a run needs two per payment."""
    raw = os.urandom(16 * n).hex()
    ids = []
    for k in range(0, 32 * n, 32):
        h = raw[k:k + 32]
        ids.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}")
    return ids


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


Stream = Literal["education", "health", "social_care", "transport"]


class _Money(BaseModel):
    """The fields every event about money under an agreement carries: whose agreement, which budget stream (null:
    an agreement opened without one) and how much."""

    model_config = ConfigDict(extra="forbid")
    agreement_id: str
    budget_id: str | None
    child_id: str
    local_authority: str
    stream: Stream | None
    amount_pence: int


class _Payment(_Money):
    """The fields every event about one payment carries."""

    payment_id: str
    due_date: date
    run_id: str


class PaymentIssued(_Payment):
    """One direct payment made by a payment run (PAY-04): ``amount_pence`` left the LA for the payee on
    ``issued_on``. The budget service books it as spent on ``stream`` (null: an agreement opened without one)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "agreement_id": "d5f7b9d1-4e6a-4c8b-8a2d-3f5b7d9e1a4c", "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11",
        "child_id": "C-104233", "local_authority": "E06000060", "stream": "social_care", "amount_pence": 51667,
        "payment_id": "f8a0c2e4-6b8d-4e1a-9c3f-5a7d9b1e3c6f", "due_date": "2026-12-01",
        "run_id": "1a3c5e7a-9b1d-4f3a-8e5c-7b9d1f3a5c8e", "issued_on": "2026-11-26"}]})

    issued_on: date


class RecoveryConfirmed(_Money):
    """A surplus recovery confirmed after its notice and challenge window (PAY-07): ``amount_pence`` comes back by
    deduction from future instalments or by invoice."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "agreement_id": "d5f7b9d1-4e6a-4c8b-8a2d-3f5b7d9e1a4c", "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11",
        "child_id": "C-104233", "local_authority": "E06000060", "stream": "social_care", "amount_pence": 124000,
        "recovery_id": "9c1e3a5c-7e9b-4d1f-8a3c-5e7a9c1e3b5d", "method": "deduction",
        "confirmed_at": "2027-04-30T16:00:00Z"}]})

    recovery_id: str
    method: Literal["deduction", "invoice"]
    confirmed_at: datetime


class PaymentReturned(_Payment):
    """A payment the bank returned unpaid (PAY-04): ``amount_pence`` came back to the LA on ``returned_on``. The
    budget books it back from spent on ``stream``; the instalment is paid again by a later run as a new payment."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "agreement_id": "d5f7b9d1-4e6a-4c8b-8a2d-3f5b7d9e1a4c", "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11",
        "child_id": "C-104233", "local_authority": "E06000060", "stream": "social_care", "amount_pence": 51667,
        "payment_id": "f8a0c2e4-6b8d-4e1a-9c3f-5a7d9b1e3c6f", "due_date": "2026-12-01",
        "run_id": "1a3c5e7a-9b1d-4f3a-8e5c-7b9d1f3a5c8e", "returned_on": "2026-12-04",
        "reason": "returned unpaid by the bank: account closed"}]})

    returned_on: date
    reason: str

class RepaymentReceived(_Money):
    """One repayment of a PAY-10 recovery of overpaid or misused money received (PAY-07, PAY-10): a deduction taken
    from an instalment by a payment run, or an invoice instalment paid. ``amount_pence`` comes back to the budget's
    ``stream``; the budget books each repayment once, by ``repayment_id``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "agreement_id": "d5f7b9d1-4e6a-4c8b-8a2d-3f5b7d9e1a4c", "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11",
        "child_id": "C-104233", "local_authority": "E06000060", "stream": "social_care", "amount_pence": 25000,
        "repayment_id": "4d6f8a0c-2e4a-4c6e-9a8c-0e2a4c6e8a1b", "recovery_id": "6a8c0e2a-4c6e-4a8c-8e0a-2c4e6a8c0e3d",
        "kind": "overpaid", "method": "deduction", "received_on": "2027-02-01"}]})

    repayment_id: str
    recovery_id: str
    kind: Literal["overpaid", "misused"]
    method: Literal["deduction", "invoice"]
    received_on: date


class _Repaid(Envelope):
    payload: RepaymentReceived


class _Issued(Envelope):
    payload: PaymentIssued


class _Returned(Envelope):
    payload: PaymentReturned


class _Confirmed(Envelope):
    payload: RecoveryConfirmed


def payment_issued(*, event_id: str, occurred_at: datetime, payment_id: str, agreement_id: str,
                   budget_id: str | None, child_id: str, la: str, stream: str | None, amount_pence: int,
                   due_date: date, run_id: str, issued_on: date) -> Envelope:
    """One payment of a run (PAY-04); the run is its correlation. Validated in one call (envelope and payload
    together): a run writes one per payment."""
    return _Issued.model_validate({
        "event_id": event_id, "type": PAYMENT_ISSUED, "occurred_at": occurred_at, "producer": PRODUCER,
        "local_authority": la, "correlation_id": run_id, "causation_id": None, "payload": {
            "payment_id": payment_id, "agreement_id": agreement_id, "budget_id": budget_id, "child_id": child_id,
            "local_authority": la, "stream": stream, "amount_pence": amount_pence, "due_date": due_date,
            "run_id": run_id, "issued_on": issued_on}})


def serialised(envelope: Envelope) -> bytes:
    """The envelope as the outbox and the bus carry it (``Envelope.to_bytes``, without its round trip through str)."""
    return envelope.__pydantic_serializer__.to_json(envelope)


# What varies from one payment of a run to the next, in the order the models serialise it, each with a value whose
# serialised form appears nowhere else in the envelope: ``IssuedBodies`` cuts the models' own serialisation there.
_MARKERS = {"event_id": "11111111-1111-4111-8111-111111111111", "agreement_id": "\x01agreement_id\x01",
            "budget_id": "\x01budget_id\x01", "child_id": "\x01child_id\x01", "stream": "transport",
            "amount_pence": 271828182845904, "payment_id": "\x01payment_id\x01", "due_date": date(1111, 11, 11)}
_quoted = json.JSONEncoder(ensure_ascii=False).encode


class IssuedBodies:
    """The ``payment_issued`` envelopes of one chunk of a run, serialised by the models above: the envelope of the
    run's first payment is serialised once, through ``payment_issued``, with marker values where payments differ,
    and cut there; each payment's body is those pieces joined with its own values, encoded as JSON. A model and its
    validation per event would dominate a run's time (PAY-04 pays 100,000 payments a run); a test holds each body
    equal, read back, to ``payment_issued(...)`` of the same values."""

    def __init__(self, *, la: str, run_id: str, issued_on: date, occurred_at: datetime) -> None:
        text = serialised(payment_issued(la=la, run_id=run_id, issued_on=issued_on, occurred_at=occurred_at,
                                         **_MARKERS)).decode()
        self._pieces: list[str] = []
        for name, marker in _MARKERS.items():
            token = _token(marker)
            before, found, text = text.partition(token)
            if not found or token in text:
                raise RuntimeError(f"payment_issued.v1: the marker of {name} is not once in the envelope")
            self._pieces.append(before)
        self._pieces.append(text)
        self._dates: dict[date, str] = {}

    def body(self, *, event_id: str, payment_id: str, agreement_id: str, budget_id: str | None, child_id: str,
             stream: str | None, amount_pence: int, due_date: date) -> bytes:
        p = self._pieces
        due = self._dates.get(due_date) or self._dates.setdefault(due_date, _token(due_date))
        return "".join((p[0], '"', event_id, '"', p[1], _quoted(agreement_id), p[2],
                        "null" if budget_id is None else _quoted(budget_id), p[3], _quoted(child_id), p[4],
                        "null" if stream is None else _quoted(stream), p[5], str(int(amount_pence)), p[6],
                        _quoted(payment_id), p[7], due, p[8])).encode()


def _token(value: object) -> str:
    """How the models serialise ``value`` (a str, int or date) inside an envelope."""
    if isinstance(value, date):
        return f'"{value.isoformat()}"'
    return str(value) if isinstance(value, int) else _quoted(value)


def recovery_confirmed(*, recovery_id: str, agreement, amount_pence: int, method: str,
                       confirmed_at: datetime) -> Envelope:
    return _Confirmed(type=RECOVERY_CONFIRMED, producer=PRODUCER, local_authority=agreement.local_authority,
                      payload=RecoveryConfirmed(
                          recovery_id=recovery_id, agreement_id=agreement.id, budget_id=agreement.budget_id,
                          child_id=agreement.child_id, local_authority=agreement.local_authority,
                          stream=agreement.stream, amount_pence=amount_pence, method=method,
                          confirmed_at=confirmed_at))


def payment_returned(payment, agreement, *, returned_on: date, reason: str) -> Envelope:
    return _Returned(type=PAYMENT_RETURNED, producer=PRODUCER, local_authority=payment.local_authority,
                     correlation_id=payment.run_id, payload=PaymentReturned(
                         payment_id=payment.id, agreement_id=payment.agreement_id, budget_id=agreement.budget_id,
                         child_id=agreement.child_id, local_authority=payment.local_authority,
                         stream=agreement.stream, amount_pence=payment.amount_pence, due_date=payment.due_date,
                         run_id=payment.run_id, returned_on=returned_on, reason=reason))


def repayment_received(repayment, recovery, agreement) -> Envelope:
    return _Repaid(type=REPAYMENT_RECEIVED, producer=PRODUCER, local_authority=agreement.local_authority,
                   correlation_id=recovery.id, payload=RepaymentReceived(
                       repayment_id=repayment.id, recovery_id=recovery.id, agreement_id=agreement.id,
                       budget_id=agreement.budget_id, child_id=agreement.child_id,
                       local_authority=agreement.local_authority, stream=agreement.stream,
                       amount_pence=repayment.amount_pence, kind=recovery.kind, method=repayment.method,
                       received_on=repayment.received_on))


PUBLISHED = (PAYMENT_ISSUED, RECOVERY_CONFIRMED, PAYMENT_RETURNED, REPAYMENT_RECEIVED)


OWNED = {PAYMENT_ISSUED: PaymentIssued, RECOVERY_CONFIRMED: RecoveryConfirmed,  # payload models of its events
         PAYMENT_RETURNED: PaymentReturned, REPAYMENT_RECEIVED: RepaymentReceived}
