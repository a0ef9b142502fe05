"""``sendpb reconcile`` on the embedded platform (gateway + five services, SQLite, in-memory bus): clean after the
end-to-end journey and a confirmed recovery, and failing, with both sides printed, on a difference made on purpose
in one service's database."""
import uuid
from datetime import timedelta

from kit.events import utcnow
from sendpb import reconcile
from sendpb.journey import Api
from services.budget import repository as budget_repo
from services.budget.domain.ledger import spend
from services.payments.models import Payment
from tests.reconcile.conftest import JOURNEY_DAY, LA


async def reconcile_now(platform, lines: list[str], **kw) -> int:
    return await reconcile.run(platform.client, la=LA, client_id="dev-finance", client_secret="dev-secret",
                               out=lines.append, **{"settle_seconds": 3.0, "interval": 0.3, **kw})


async def test_BUD_08_PAY_07_CON_04_reconcile_is_clean_after_the_journey(platform, journey):
    lines: list[str] = []
    assert await reconcile_now(platform, lines) == 0, "\n".join(lines)
    assert lines[-1].startswith("Clean: the books agree")
    assert "a difference counts only if it persisted" in lines[0]


async def test_reconcile_as_of_the_day_before_the_journey_sees_no_movements_and_is_clean(platform, journey):
    lines: list[str] = []
    assert await reconcile_now(platform, lines, as_of=JOURNEY_DAY - timedelta(days=1)) == 0, "\n".join(lines)
    assert "movements on or before 2026-03-01" in lines[0]
    assert "0 budget streams, 0 runs, 0 contract releases" in lines[-1]


async def test_BUD_08_reconcile_fails_on_a_payment_posting_no_payment_made(platform, journey):
    """A posting written straight into the budget's ledger, with no payment behind it: exit 1, both sides."""
    budget_id = journey["budget_id"]
    async with platform.embedded.runtime("budget").db.transaction() as session:
        await budget_repo.post(session, budget_id, [spend("social_care", 1_234, "made on purpose",
                                                          reference=f"payment:{uuid.uuid4()}")], now=utcnow())
    lines: list[str] = []
    assert await reconcile_now(platform, lines, settle_seconds=1.0) == 1
    report = "\n".join(lines)
    paid = journey["paid_pence"]
    assert (f"DIFFERENCE [BUD-08 payments] budget {budget_id} social_care: payments: issued − returned "
            f"{reconcile.pounds(paid)} ≠ budget ledger: payment postings {reconcile.pounds(paid + 1_234)} "
            f"(off by -£12.34)") in report
    assert "1 difference(s): payments 1." in report


async def test_PAY_04_reconcile_fails_on_a_payment_row_no_run_recorded(platform, journey):
    """A payment row written straight into the payments database in the journey's run: the bank file no longer
    matches the run, and payments no longer match the budget's ledger."""
    run_id, agreement_id = journey["ids"]["run_id"], journey["agreement_id"]
    async with platform.embedded.runtime("payments").db.transaction() as session:
        session.add(Payment(id=str(uuid.uuid4()), run_id=run_id, agreement_id=agreement_id, local_authority=LA,
                            due_date=JOURNEY_DAY + timedelta(days=700), amount_pence=5_000, status="issued",
                            basis="made on purpose", payee_name="Nobody", sort_code="x", account_number="x",
                            reference="DPONPURPOSE", issued_on=JOURNEY_DAY, created_at=utcnow()))
    lines: list[str] = []
    assert await reconcile_now(platform, lines, settle_seconds=1.0) == 1
    report = "\n".join(lines)
    paid = journey["paid_pence"]
    assert (f"[PAY-04 bank_files] run {run_id} of {JOURNEY_DAY.isoformat()}: bank file "
            f"{reconcile.pounds(paid + 5_000)} ≠ run's recorded total {reconcile.pounds(paid)}") in report
    assert f"payments: issued − returned {reconcile.pounds(paid + 5_000)}" in report


async def test_CON_04_reconcile_is_clean_after_a_release_is_withdrawn_and_given_back(platform, journey):
    api = Api(platform.client)
    transfer_id = journey["ids"]["transfer_id"]
    withdrawn = await api.call("POST", f"/v1/contracts/transfers/{transfer_id}/withdraw", as_="dev-admin",
                               json={"reason": "The family chose the block service again"})
    assert withdrawn["status"] == "withdrawn"
    lines: list[str] = []
    assert await reconcile_now(platform, lines) == 0, "\n".join(lines)
    headers = await platform.token("dev-finance")
    budget = (await platform.client.get("/v1/budgets/finance/totals", params={"local_authority": LA},
                                        headers=headers)).json()
    [health] = [r for r in budget["rows"] if r["budget_id"] == journey["budget_id"] and r["stream"] == "health"]
    assert (health["released_pence"], health["returned_pence"]) == (journey["release_pence"],) * 2


async def test_PAY_04_reconcile_is_clean_after_a_bank_return(platform, journey):
    api = Api(platform.client)
    [payment] = (await api.call("GET", f"/v1/payments/agreements/{journey['agreement_id']}/payments",
                                as_="dev-finance"))["items"]
    await api.call("POST", f"/v1/payments/runs/{journey['ids']['run_id']}/returns", as_="dev-finance",
                   json={"items": [{"payment_id": payment["id"], "reason": "account closed"}]})
    lines: list[str] = []
    assert await reconcile_now(platform, lines, settle_seconds=1.0) == 0, "\n".join(lines)
