"""Use cases of the eligibility service: record a request and decide it, review a decision, read the history.
Routers call these and nothing else.

Ids: a request keeps one ``id`` for life (the CONTRACT's ``id``: what clients read, list and review by); each
decision on it has its own ``decision_id``. Reading a request gives its current decision; a review adds a
decision that supersedes the current one and names it in ``supersedes_decision_id`` (ELIG-10, ELIG-11).
Nothing here commits: the request's unit of work (kit.service.SessionDep) does, with the Idempotency-Key record
and the outbox row in the same transaction. Every use case returns typed objects (``DecidedRequest``), never
response models: the router builds those from their attributes.

- ``requests``: ``submit`` a request and its first decision;
- ``reviews``: ``review`` a decision at the family's request; ``ask_for_review``, the family's own request from
  their decision notice's link (``family_links``), recorded for the LA; ``review_requests`` lists them;
- ``declines``: ``decline`` a budget or part of one under ELIG-12 (a decision superseding the one in force);
- ``adulthood``: the young people ``approaching`` 18 and the job ``announce_adulthood`` (ELIG-14);
- ``reading``: ``current``, ``one_decision``, ``decisions`` (a request's history) and ``history`` (the caller's
  requests);
- ``deciding``: what submitting and reviewing share: the facts → the rules → a decision stored with its event.
"""
from services.eligibility.service.adulthood import ApproachingAdulthood, announce_adulthood, approaching
from services.eligibility.service.deciding import DecidedRequest
from services.eligibility.service.declines import decline
from services.eligibility.service.reading import current, decisions, history, one_decision
from services.eligibility.service.requests import submit
from services.eligibility.service.reviews import AskedForReview, ask_for_review, review, review_requests

__all__ = ["ApproachingAdulthood", "AskedForReview", "DecidedRequest", "announce_adulthood", "approaching",
           "ask_for_review", "current", "decisions", "decline", "history", "one_decision", "review",
           "review_requests", "submit"]
