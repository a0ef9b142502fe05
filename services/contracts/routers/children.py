"""The children block contracts serve (CON-10): ``/v1/contracts/{id}/children``, a child's
``/v1/contracts/children/{child_id}/summaries`` and ``/v1/contracts/unmatched-provision``. Mounted before
``contracts``, whose ``/{contract_id}`` would take ``/unmatched-provision`` otherwise."""
from __future__ import annotations

from fastapi import APIRouter

from kit.pagination import Cursor, Limit
from kit.service import SessionDep
from services.contracts.routers import Reader
from services.contracts.schemas import ChildSummariesRead, ServedChildrenPage, UnmatchedLinesPage
from services.contracts.service import children

router = APIRouter(tags=["children served"])


@router.get("/unmatched-provision", response_model=UnmatchedLinesPage,
            summary="Provision lines naming no contract of their LA")
async def unmatched(session: SessionDep, caller: Reader, limit: Limit = 50, cursor: Cursor = None):
    """CON-10: provision lines of the caller's LAs whose `contract_id` names no block contract of that LA (an id
    contracts does not hold, or another LA's contract: the reason is the same, so another LA's contract is never
    revealed). The budget accepts any id, since it cannot see contracts; such a line puts the child on no
    contract's list until casework corrects it. Newest first, paginated. Scopes `commissioning`, `casework` or
    `read`."""
    page = await children.unmatched_page(session, caller=caller, limit=limit, cursor=cursor)
    return UnmatchedLinesPage.model_validate(page)


@router.get("/children/{child_id}/summaries", response_model=ChildSummariesRead,
            summary="The family summaries of every contract serving a child")
async def child_summaries(child_id: str, session: SessionDep, caller: Reader):
    """CON-10, CON-07: for a child of the caller's LAs, the plain-English family summary of every block contract
    that serves them, i.e. named by a provision line of one of their budgets that has not closed (`items`, by
    service; empty when none does). A child contracts knows of in none of the caller's LAs (no budget, no line)
    is 404."""
    return ChildSummariesRead.model_validate(
        await children.child_summaries(session, child_id=child_id, caller=caller))


@router.get("/{contract_id}/children", response_model=ServedChildrenPage,
            summary="The children a contract serves")
async def served(contract_id: str, session: SessionDep, caller: Reader, limit: Limit = 50, cursor: Cursor = None):
    """CON-10: the children the contract serves within the caller's LAs: one item per budget that has not closed
    and has provision lines naming the contract (`provision_ids`), newest first, paginated. Each item links to
    the contract's family summary (CON-07, `links.summary`) and to every summary that reaches the child
    (`links.child_summaries`). Lines naming this contract from another LA's budget are not counted (they are
    unmatched there). Another LA's contract is 404. Scopes `commissioning`, `casework` or `read`."""
    page = await children.children_page(session, contract_id=contract_id, caller=caller, limit=limit, cursor=cursor)
    return ServedChildrenPage.model_validate(page)
