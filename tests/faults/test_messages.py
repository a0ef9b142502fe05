"""What arrives can be bad or doubled, round after round: poison messages in the middle of a burst of ICB events
go to the consumer's dead letters with their reason while the rest apply; the same Idempotency-Key sent on several
money-moving POSTs at once takes effect once."""
from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest

from kit.bus import DeadLetter
from kit.events import Envelope
from kit.testing import LA, OTHER_LA
from tests.distributed import ROOT
from tests.faults.checker import rows
from tests.faults.conftest import ROUNDS, replay, rng_for
from tests.faults.rig import HEADERS, ICB_EVENT, PAYMENT_ISSUED, Rig
from tests.faults.world import TODAY, amount, assert_checked, child, funded_children, icb_burst, signed_direct_payments

pytestmark = pytest.mark.integration
NOT_AN_ENVELOPE = "not a valid event envelope"


def poison(rig: Rig, kind: str):
    """A message of the kind (each one different), and the reason its dead letter must give and after how many
    attempts."""
    if kind == "not UTF-8":
        body = b"\xff\xfe\x00 ICB funding for " + child().encode()
        return rig.poison_message(ICB_EVENT, body, kind), NOT_AN_ENVELOPE, 1
    if kind == "not JSON":
        return rig.poison_message(ICB_EVENT, f"ICB funding for {child()}: 300000".encode(), kind), NOT_AN_ENVELOPE, 1
    if kind == "not an envelope":
        body = json.dumps({"child_id": child(), "annual_amount_pence": 300_000}).encode()
        return rig.poison_message(ICB_EVENT, body, kind), NOT_AN_ENVELOPE, 1
    if kind == "unreadable payload":  # a negative amount
        payload = {"event_id": str(uuid.uuid4()), "child_id": child(), "local_authority": LA,
                   "annual_amount_pence": -1, "effective_from": TODAY.isoformat(), "reason": "ICB review"}
        body = Envelope(type=ICB_EVENT, producer="icb", local_authority=LA, payload=payload).to_bytes()
        return rig.poison_message(ICB_EVENT, body, kind), "payload is not readable", 1
    if kind in ("no user_id", "another LA's child"):  # readable, from a publisher that may not publish it
        la = OTHER_LA if kind == "another LA's child" else LA
        payload = {"event_id": str(uuid.uuid4()), "child_id": child(), "local_authority": la,
                   "annual_amount_pence": 300_000, "effective_from": TODAY.isoformat(), "reason": "ICB review"}
        body = Envelope(type=ICB_EVENT, producer="icb", local_authority=la, payload=payload).to_bytes()
        why = "no user_id property" if kind == "no user_id" else \
            f"broker user {rig.broker_user!r} may not publish ICB health funding for {OTHER_LA}"
        return rig.poison_message(ICB_EVENT, body, kind, anonymous=kind == "no user_id"), f"not applied: {why}", 1
    if kind == "a payment of negative pence":  # a business refusal (no budget of ours) is an event, not poison
        payload = {"payment_id": str(uuid.uuid4()), "agreement_id": str(uuid.uuid4()), "budget_id": str(uuid.uuid4()),
                   "child_id": child(), "local_authority": LA, "stream": "social_care", "amount_pence": -20_000,
                   "due_date": TODAY.isoformat(), "run_id": str(uuid.uuid4()), "issued_on": TODAY.isoformat()}
        body = Envelope(type=PAYMENT_ISSUED, producer="payments", local_authority=LA, payload=payload).to_bytes()
        return rig.poison_message(PAYMENT_ISSUED, body, kind), "payload is not readable", 1
    # An amount beyond the database's 64-bit integers. It once reached PostgreSQL, which refused it on every attempt
    # (dead-lettered after them); the reader now refuses it as the REST body does, at once, naming the field.
    # (Nothing a reader takes is refused by the database any more: NUL characters are caught by kit's reader too;
    # retrying a handler that keeps failing, then dead-lettering, is proved in tests/kit/test_outbox_inbox.py.)
    payload = {"event_id": str(uuid.uuid4()), "child_id": child(), "local_authority": LA,
               "annual_amount_pence": 2**64, "effective_from": TODAY.isoformat(), "reason": "ICB review"}
    body = Envelope(type=ICB_EVENT, producer="icb", local_authority=LA, payload=payload).to_bytes()
    return rig.poison_message(ICB_EVENT, body, kind), "annual_amount_pence", 1


# The first round takes its dead letters with `sendpb dead-letters take`, which prints each body as text: it has the
# first four kinds, the second round the other four, later rounds a few of any.
KINDS = ("not JSON", "unreadable payload", "an amount beyond 64 bits", "no user_id", "not UTF-8", "not an envelope",
         "a payment of negative pence", "another LA's child")


async def test_poison_messages_are_dead_lettered_with_their_reason_and_the_rest_apply_once(rig: Rig):
    for round_ in range(ROUNDS):
        await poison_round(rig, rng_for("poison", round_), replay("poison", round_), round_)
        rig.faults["poison messages dead-lettered"] += 1


async def poison_round(rig: Rig, rng, where: str, round_: int) -> None:
    kinds = KINDS[4 * round_:4 * round_ + 4] or rng.sample(KINDS, k=rng.randint(2, 4))
    expected = [poison(rig, kind) for kind in kinds]
    burst = icb_burst(rig, rng, children=await funded_children(rig, rng, 3), events=rng.randint(10, 20))
    burst += [message for message, _, _ in expected]
    rng.shuffle(burst)
    await rig.publish(burst)
    if round_ == 0:
        await eventually_dead_lettered(rig, len(expected))
        rig.dead += taken_by_the_operator(rig, [message.body for message, _, _ in expected])
    await assert_checked(rig, where)
    letters = {letter.body: letter for letter in rig.dead}
    for message, reason, attempts in expected:
        letter = letters[message.body]
        assert reason in letter.reason and letter.attempts == attempts, \
            f"{rig.poison[message.body]}: dead-lettered after {letter.attempts} attempt(s) with {letter.reason!r}"


async def eventually_dead_lettered(rig: Rig, n: int, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await rig.dead_letter_depth("budget") < n:
        assert asyncio.get_running_loop().time() < deadline, f"fewer than {n} dead letters after {timeout}s"
        await asyncio.sleep(0.2)


def taken_by_the_operator(rig: Rig, bodies: list[bytes]) -> list[DeadLetter]:
    """``sendpb dead-letters take budget``, as the operator runs it: one line per dead letter with its routing key,
    attempts, reason and the start of its body. Each line is matched back to the message it shows."""
    out = subprocess.run([sys.executable, "-m", "sendpb.cli", "dead-letters", "take", "budget"], cwd=ROOT,
                         env={**rig.procs["budget"].env, "SENDPB_AMQP_URL": rig.amqp_url}, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    lines = re.findall(r"^([a-z0-9_.]+)\tattempts=(\d+)\t(.*?)\t(.*?)$(?=\n[a-z0-9_.]+\tattempts=|\n?\Z)", out,
                       re.M | re.S)
    assert len(lines) == len(bodies), f"the operator was shown {len(lines)} dead letters, not {len(bodies)}:\n{out}"
    letters = []
    for routing_key, attempts, reason, shown in lines:
        [body] = [b for b in bodies if b.decode()[:200] == shown]
        letters.append(DeadLetter("budget", routing_key, body, reason, int(attempts)))
    return letters


async def test_the_same_idempotency_key_sent_at_once_moves_money_once(rig: Rig):
    for round_ in range(ROUNDS):
        await idempotency_round(rig, rng_for("idempotency", round_), replay("idempotency", round_),
                                target=("payment run", "commitment")[round_ % 2])
        rig.faults["one Idempotency-Key sent concurrently"] += 1


async def idempotency_round(rig: Rig, rng, where: str, *, target: str) -> None:
    if target == "payment run":
        await signed_direct_payments(rig, rng, 1)
        service, path = "payments", "/v1/payments/runs"
        body = {"local_authority": LA, "run_date": TODAY.isoformat()}
        other = {**body, "run_date": (TODAY - timedelta(days=1)).isoformat()}
    else:
        budget_id = await rig.agreed_budget(child(), TODAY - timedelta(days=30), amount(rng))
        service, path = "budget", f"/v1/budgets/{budget_id}/commitments"
        body = {"stream": "social_care", "amount_pence": rng.randint(1_000, 9_000), "memo": "Swimming lessons"}
        other = {**body, "amount_pence": body["amount_pence"] + 1}
    bodies = [body] * rng.randint(3, 8) + ([other] if rng.random() < 0.5 else [])
    rng.shuffle(bodies)
    headers = {**HEADERS, "Idempotency-Key": f"faults-{uuid.uuid4().hex}"}
    runs_before = await run_ids(rig)
    answers = await asyncio.gather(*(rig.http.post(rig.procs[service].url + path, json=b, headers=headers)
                                     for b in bodies))
    firsts = [(b, a) for b, a in zip(bodies, answers, strict=True)
              if a.status_code < 300 and "idempotent-replayed" not in a.headers]
    assert len(firsts) == 1, f"{len(firsts)} requests took effect: {[a.text for _, a in firsts]}; {where}"
    [(winner, first)] = firsts
    for b, a in zip(bodies, answers, strict=True):
        expected = (first.status_code, first.json()) if b == winner else (422, None)
        assert (a.status_code, a.json() if b == winner else None) == expected, \
            f"{b} answered {a.status_code} {a.text[:300]}; {where}"
    if target == "payment run":
        started = await run_ids(rig) - runs_before
        assert started == {first.json()["id"]}, f"runs started: {started}; {where}"
    else:
        commitments = await rows(rig.db["budget"], "SELECT id FROM ledger_transactions WHERE budget_id = :b "
                                                   "AND kind = 'commitment'", b=budget_id)
        assert len(commitments) == 1, f"{len(commitments)} commitments booked; {where}"
    await rig.run_to_the_end()  # a run started by the key pays; this one finds nothing left
    await assert_checked(rig, where)


async def run_ids(rig: Rig) -> set[str]:
    return {r.id for r in await rows(rig.db["payments"], "SELECT id FROM runs")}
