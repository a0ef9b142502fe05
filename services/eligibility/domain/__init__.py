"""The eligibility rules ELIG-01..09 and ELIG-12..14 as pure values and functions: a request in, a decision with
every reason out. No I/O, no web, database or validation library (tests/architecture holds it so).

- ``values``: what a request asks for and the facts it is decided on; outcomes and reasons;
- ``ages``: ages from dates (ELIG-04);
- ``streams``: each funding stream (ELIG-01/02/03/04/08/13);
- ``arrangements``: each way of holding the budget (ELIG-06/07/09);
- ``declines``: the LA declining a budget or part of one, with evidence (ELIG-12);
- ``adulthood``: preparing for adulthood: year 9, 16, 18 and care leavers (ELIG-14);
- ``decision``: ``decide`` (ELIG-05, ELIG-10) and ``input_errors`` (what makes a request unanswerable).

The names the rest of the service uses are re-exported here.
"""
from services.eligibility.domain.adulthood import (
    DEFAULT_NOTICE_DAYS,
    approaching,
    born_turning_18_between,
    handover_summary,
    turns_18_on,
    year_9_starts,
)
from services.eligibility.domain.arrangements import direct_payment_refusals
from services.eligibility.domain.decision import RULES_VERSION, Decision, decide, input_errors
from services.eligibility.domain.declines import GROUND_WORDS, decline_errors
from services.eligibility.domain.streams import continuing_care_applies
from services.eligibility.domain.values import (
    ARRANGEMENTS,
    EHCP_STAGES,
    STREAMS,
    Arrangement,
    Decline,
    DeclineGround,
    EhcpStage,
    EligibilityRequest,
    Evidence,
    Outcome,
    Reason,
    Recipient,
    RecipientRole,
    Requester,
    Status,
    Stream,
    Transition,
)

__all__ = ["ARRANGEMENTS", "DEFAULT_NOTICE_DAYS", "EHCP_STAGES", "GROUND_WORDS", "RULES_VERSION", "STREAMS",
           "Arrangement", "Decision", "Decline", "DeclineGround", "EhcpStage", "EligibilityRequest", "Evidence",
           "Outcome", "Reason", "Recipient", "RecipientRole", "Requester", "Status", "Stream", "Transition",
           "approaching", "born_turning_18_between", "continuing_care_applies", "decide", "decline_errors",
           "direct_payment_refusals", "handover_summary", "input_errors", "turns_18_on", "year_9_starts"]
