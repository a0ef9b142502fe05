"""Events the contracts service consumes from others, read through its own minimal models. A payload that can
never be read is dead-lettered; a business outcome (a release the budget refused) is acted on and acknowledged."""
from __future__ import annotations

from datetime import datetime

from pydantic import Field

from kit.events import Envelope
from kit.inbox import Consumers, Reader, read
from services.contracts.service import budgets, children, transfers

consumers = Consumers()


class BudgetNamed(Reader):
    budget_id: str = Field(min_length=1, max_length=36)
    child_id: str = Field(min_length=1, max_length=64)
    local_authority: str = Field(pattern=r"^E\d{8}$")


class BudgetClosed(BudgetNamed):
    closed_on: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class ProvisionAdded(BudgetNamed):
    """CON-10: the fields of budget.provision_added.v1 that contracts keeps."""

    provision_id: str = Field(min_length=1, max_length=36)
    contract_id: str | None = Field(None, max_length=36)
    stream: str = Field(min_length=1, max_length=20)
    category: str = Field(min_length=1, max_length=60)
    budget_status: str = Field(min_length=1, max_length=20)
    added_at: datetime


class BookingRefused(Reader):
    refused_event_type: str
    transfer_id: str | None = None
    rule: str
    reason: str


async def _record(session, envelope: Envelope, status: str, model: type[BudgetNamed] = BudgetNamed) -> None:
    event = read(model, envelope)
    await budgets.record(session, event.model_dump(), status=status, occurred_at=envelope.occurred_at)


@consumers.on("budget.opened.v1")
async def on_budget_opened(session, envelope: Envelope, settings) -> None:
    await _record(session, envelope, "open")


@consumers.on("budget.agreed.v1")
async def on_budget_agreed(session, envelope: Envelope, settings) -> None:
    await _record(session, envelope, "agreed")


@consumers.on("budget.closed.v1")
async def on_budget_closed(session, envelope: Envelope, settings) -> None:
    await _record(session, envelope, "closed", BudgetClosed)


@consumers.on("budget.booking_refused.v1")
async def on_booking_refused(session, envelope: Envelope, settings) -> None:
    """The budget refused a release that passed here (it closed in between): the units go back to the contract
    (``contracts.funds_returned.v1``) and the transfer is marked ``refused_by_budget`` with the budget's reason."""
    event = read(BookingRefused, envelope)
    if event.refused_event_type == "contracts.funds_released.v1" and event.transfer_id:
        await transfers.refused_by_budget(session, transfer_id=event.transfer_id, rule=event.rule,
                                          reason=event.reason)


@consumers.on("budget.provision_added.v1")
async def on_provision_added(session, envelope: Envelope, settings) -> None:
    """CON-10: a line naming a contract of its LA puts the child on that contract's list; one naming no contract
    of its LA is recorded as unmatched (a business outcome, acknowledged, never a dead letter)."""
    event = read(ProvisionAdded, envelope)
    await children.link(session, event.model_dump(), occurred_at=envelope.occurred_at)
