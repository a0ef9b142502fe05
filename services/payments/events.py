"""What the payments service publishes (docs/events.md, v1)."""
from __future__ import annotations

import json
import os
from datetime import date, datetime
from json.encoder import encode_basestring_ascii as quote
from typing import Literal

from pydantic import BaseModel, ConfigDict

from kit.events import Envelope

PRODUCER = "payments"
PAYMENT_ISSUED = "payments.payment_issued.v1"
RECOVERY_CONFIRMED = "payments.recovery_confirmed.v1"
PAYMENT_RETURNED = "payments.payment_returned.v1"


def new_ids(n: int) -> list[str]:
    """``n`` random (version 4) UUIDs as strings, made in one go: a run needs two per payment."""
    raw = os.urandom(16 * n).hex()
    ids = []
    for k in range(0, 32 * n, 32):
        h = raw[k:k + 32]
        ids.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}")
    return ids


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


class PaymentIssuedBodies:
    """Serialised ``payments.payment_issued.v1`` envelopes for one run, built from a template: a run writes
    one per payment, in bulk, and a model or ``json.dumps`` per event would dominate its time. The result
    is exactly ``Envelope.model_dump_json`` of the payload of ``payment_issued`` (a test holds them equal)."""

    def __init__(self, *, la: str, run_id: str, issued_on: date, occurred_at: datetime) -> None:
        self._head = (f'{{"event_id":"{{}}","type":"{PAYMENT_ISSUED}","occurred_at":'
                      f'{json.dumps(occurred_at.isoformat())},"producer":"{PRODUCER}","local_authority":'
                      f'{json.dumps(la)},"correlation_id":{json.dumps(run_id)},"causation_id":null,"payload":')
        self._la, self._run, self._on = json.dumps(la), json.dumps(run_id), json.dumps(issued_on.isoformat())
        self._text: dict = {}

    def _cached(self, value) -> str:
        found = self._text.get(value)
        if found is None:
            text = value.isoformat() if isinstance(value, date) else value
            found = self._text[value] = json.dumps(text)
        return found

    def body(self, *, event_id: str, payment_id: str, agreement_id: str, budget_id: str | None, child_id: str,
             stream: str | None, amount_pence: int, due_date: date) -> bytes:
        budget = "null" if budget_id is None else quote(budget_id)
        payload = (f'{{"payment_id":"{payment_id}","agreement_id":{quote(agreement_id)},'
                   f'"budget_id":{budget},"child_id":{quote(child_id)},"local_authority":{self._la},'
                   f'"stream":{self._cached(stream)},"amount_pence":{int(amount_pence)},'
                   f'"due_date":{self._cached(due_date)},"run_id":{self._run},"issued_on":{self._on}}}}}')
        return (self._head.replace("{}", event_id, 1) + payload).encode()


def payment_issued(*, payment_id: str, agreement_id: str, budget_id: str | None, child_id: str, la: str,
                   stream: str | None, amount_pence: int, due_date: date, run_id: str,
                   issued_on: date) -> dict:
    return {"payment_id": payment_id, "agreement_id": agreement_id, "budget_id": budget_id,
            "child_id": child_id, "local_authority": la, "stream": stream, "amount_pence": amount_pence,
            "due_date": due_date.isoformat(), "run_id": run_id, "issued_on": issued_on.isoformat()}


def recovery_confirmed(*, recovery_id: str, agreement, amount_pence: int, method: str,
                       confirmed_at: datetime) -> Envelope:
    return Envelope(type=RECOVERY_CONFIRMED, producer=PRODUCER, local_authority=agreement.local_authority,
                    payload={"recovery_id": recovery_id, "agreement_id": agreement.id,
                             "budget_id": agreement.budget_id, "child_id": agreement.child_id,
                             "local_authority": agreement.local_authority, "stream": agreement.stream,
                             "amount_pence": amount_pence, "method": method,
                             "confirmed_at": confirmed_at.isoformat().replace("+00:00", "Z")})


def payment_returned(payment, agreement, *, returned_on: date, reason: str) -> Envelope:
    return Envelope(type=PAYMENT_RETURNED, producer=PRODUCER, local_authority=payment.local_authority,
                    correlation_id=payment.run_id,
                    payload={"payment_id": payment.id, "agreement_id": payment.agreement_id,
                             "budget_id": agreement.budget_id, "child_id": agreement.child_id,
                             "local_authority": payment.local_authority, "stream": agreement.stream,
                             "amount_pence": payment.amount_pence, "due_date": payment.due_date.isoformat(),
                             "run_id": payment.run_id, "returned_on": returned_on.isoformat(), "reason": reason})


class _Payment(BaseModel):
    """The fields every event about one payment carries."""

    model_config = ConfigDict(extra="forbid")
    payment_id: str
    agreement_id: str
    budget_id: str | None
    child_id: str
    local_authority: str
    stream: Literal["education", "health", "social_care", "transport"] | None
    amount_pence: int
    due_date: date
    run_id: str


class PaymentIssued(_Payment):
    """One direct payment made by a payment run (PAY-04): ``amount_pence`` left the LA for the payee on
    ``issued_on``. The budget service books it as spent on ``stream`` (null: an agreement opened without one)."""

    issued_on: date


class RecoveryConfirmed(BaseModel):
    """A surplus recovery confirmed after its notice and challenge window (PAY-07): ``amount_pence`` comes back by
    deduction from future instalments or by invoice."""

    model_config = ConfigDict(extra="forbid")
    recovery_id: str
    agreement_id: str
    budget_id: str | None
    child_id: str
    local_authority: str
    stream: Literal["education", "health", "social_care", "transport"] | None
    amount_pence: int
    method: Literal["deduction", "invoice"]
    confirmed_at: datetime


class PaymentReturned(_Payment):
    """A payment the bank returned unpaid (PAY-04): ``amount_pence`` came back to the LA on ``returned_on``. The
    budget books it back from spent on ``stream``; the instalment is paid again by a later run as a new payment."""

    returned_on: date
    reason: str


PUBLISHED = (PAYMENT_ISSUED, RECOVERY_CONFIRMED, PAYMENT_RETURNED)


OWNED = {PAYMENT_ISSUED: PaymentIssued, RECOVERY_CONFIRMED: RecoveryConfirmed,  # payload models of its events
         PAYMENT_RETURNED: PaymentReturned}
