"""The local offer each LA publishes (BUD-15): from its settings (policy, SENDIAS) and the provision categories."""
from __future__ import annotations

from kit.errors import NotFound
from services.budget.domain.local_offer import Advice, LocalOffer, Policy, local_offer
from services.budget.settings import BudgetSettings


def published(settings: BudgetSettings, local_authority: str) -> LocalOffer:
    """The LA's local offer, or 404 when it publishes none here."""
    offer = settings.local_offers.get(local_authority)
    if offer is None:
        raise NotFound(f"no local offer of personal budgets is published for {local_authority}", rule="BUD-15")
    return local_offer(local_authority, offer.name, Policy(offer.policy_url, offer.policy_summary),
                       Advice(offer.sendias_name, offer.sendias_url, offer.sendias_phone))
