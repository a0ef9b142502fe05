"""Events the payments service consumes from others."""
from datetime import date

from kit.events import Envelope
from kit.inbox import Consumers
from services.payments import clock
from services.payments.repository import agreement_for_stream
from services.payments.service import agreements

consumers = Consumers()


@consumers.on("budget.agreed.v1")
async def on_budget_agreed(session, envelope: Envelope, settings) -> None:
    """One agreement awaiting signature per stream with direct-payment money (PAY-01); a budget agreed
    again with a different amount re-plans that agreement's unpaid instalments (PAY-03). The inbox makes a
    redelivery a no-op and the unique (budget, stream) makes a second agreement for the same stream
    impossible."""
    p = envelope.payload
    start, end = date.fromisoformat(p["period_start"]), date.fromisoformat(p["period_end"])
    for stream, amounts in sorted(p.get("streams", {}).items()):
        annual = int(amounts.get("direct_payment_pence") or 0)
        existing = await agreement_for_stream(session, p["budget_id"], stream)
        if existing is not None:
            if existing.annual_amount_pence != annual and existing.status != "stopped":
                await agreements.change_amount(session, existing, annual_pence=annual,
                                               effective_from=max(clock.today(), start))
            continue
        if annual > 0:
            await agreements.open_agreement(
                session, la=p["local_authority"], budget_id=p["budget_id"], child_id=p["child_id"],
                stream=stream, annual_pence=annual, frequency="four_weekly", start=start, end=end,
                purpose=f"Direct payment for the agreed {stream.replace('_', ' ')} provision of plan "
                        f"{p.get('plan_reference') or p['budget_id']}", opened_from="event")
