"""The eligibility rules ELIG-01..09 and ELIG-13 as pure values and functions: a request in, a decision with
every reason out. No I/O, no web, database or validation library (tests/architecture holds it so).

- ``values``: what a request asks for and the facts it is decided on; outcomes and reasons;
- ``ages``: ages from dates (ELIG-04);
- ``streams``: each funding stream (ELIG-01/02/03/04/08/13);
- ``arrangements``: each way of holding the budget (ELIG-06/07/09);
- ``decision``: ``decide`` (ELIG-05, ELIG-10) and ``input_errors`` (what makes a request unanswerable).

The names the rest of the service uses are re-exported here.
"""
from services.eligibility.domain.arrangements import direct_payment_refusals
from services.eligibility.domain.decision import RULES_VERSION, Decision, decide, input_errors
from services.eligibility.domain.streams import continuing_care_applies
from services.eligibility.domain.values import (
    ARRANGEMENTS,
    EHCP_STAGES,
    STREAMS,
    Arrangement,
    EhcpStage,
    EligibilityRequest,
    Outcome,
    Reason,
    Recipient,
    RecipientRole,
    Requester,
    Status,
    Stream,
)

__all__ = ["ARRANGEMENTS", "EHCP_STAGES", "RULES_VERSION", "STREAMS", "Arrangement", "Decision", "EhcpStage",
           "EligibilityRequest", "Outcome", "Reason", "Recipient", "RecipientRole", "Requester", "Status",
           "Stream", "continuing_care_applies", "decide", "direct_payment_refusals", "input_errors"]
