"""The published provision categories (BUD-03, BUD-15): ``/provision-categories``, a fixed path."""
from __future__ import annotations

from fastapi import APIRouter, Query

from services.budget.domain import categories
from services.budget.routers.access import AFTER_AGREEMENT, AUDIT, CategoryReader
from services.budget.schemas import ProvisionCategoriesRead

router = APIRouter(tags=[AFTER_AGREEMENT], dependencies=[AUDIT])


@router.get("/provision-categories", summary="What a personal budget can and cannot buy")
async def provision_categories(caller: CategoryReader, local_authority: str | None = Query(
        None, pattern=r"^[EWSN]\d{8}$", description="the LA whose menu to show; omitted: the platform default")
) -> ProvisionCategoriesRead:
    """The published provision categories (BUD-15): the local offer's menu of what a personal budget may buy and
    what it may not, in plain English and machine-readable. No child's data; any budget scope or `read`.

    `categories`: what may be bought, each `{id, label, description, streams, allowed: true}`; `by_stream`: the
    menu of each stream (education, health, social care, transport) as category ids. `refused`: every kind of
    placement at a school, college or early-years setting, each with `rule: BUD-03` and the `reason`: a personal
    budget can never pay for a place, whatever it is called. A provision line's `category` is one of
    `categories`; a placement is refused with **409** `rule: BUD-03`, any other value with **422** naming
    `category` and listing `valid_categories`. `menu` says whose menu it is (`platform_default`: every LA has it
    today)."""
    return ProvisionCategoriesRead.model_validate(categories.menu(local_authority))
