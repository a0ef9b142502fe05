"""The provision categories: what a personal budget may buy, per stream, and what it may not (BUD-03, BUD-15).

A closed list. The LA's "menu" the SEND code of practice asks for is the allowed part; the refused part is every kind
of placement at a school, college or early-years setting, which a personal budget can never pay for (BUD-03). A
category a caller invents is refused: under BUD-03 when its name says it is a place at such a setting, whatever it is
called, and otherwise as not on the menu. Pure data and rules: no I/O.

The menu is the platform default, drawn from the councils' published policies (the seeds in /work/shared/seeds):
adding to learning support, specialist input, therapies, work experience, technology, travel to school or activities,
personal assistants, short breaks. An LA whose menu differs would narrow it here, per LA; none does yet."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from services.budget.domain.ledger import STREAMS

PLATFORM_DEFAULT = "platform_default"


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    description: str
    streams: tuple[str, ...]
    refused_because: str | None = None  # BUD-03: why a personal budget can never buy it

    @property
    def allowed(self) -> bool:
        return self.refused_because is None

    @property
    def rule(self) -> str | None:
        return None if self.allowed else "BUD-03"


_PLACE = ("A personal budget can never pay for a place at a school, college or early-years setting (BUD-03): "
          "the local authority secures the place through the EHCP itself. A personal budget can still fund "
          "provision delivered there, with the head's or principal's written agreement (ELIG-09).")

MENU: tuple[Category, ...] = (
    Category("learning_support", "Additional learning support",
             "Adds to the learning support a child already has, so the support is more consistent: for example "
             "extra one-to-one time or a learning mentor.", ("education",)),
    Category("tuition", "Tuition",
             "Individual or small-group teaching for an outcome in the plan, such as specialist literacy or "
             "numeracy tuition. Not the fees of a place at a school or college.", ("education",)),
    Category("specialist_input", "Specialist input",
             "Advice or sessions from a specialist, such as a specialist teacher, an educational psychologist or "
             "a sensory support service.", ("education", "health")),
    Category("therapy", "Therapy",
             "Speech and language therapy, occupational therapy, physiotherapy and similar therapies written in "
             "the plan.", ("education", "health")),
    Category("emotional_wellbeing", "Emotional wellbeing and mental health support",
             "Counselling, play or music therapy and other support for emotional wellbeing and mental health.",
             ("education", "health", "social_care")),
    Category("work_experience", "Work experience and work-based learning",
             "A work experience placement, supported internship support or job coaching for a young person "
             "preparing for adulthood.", ("education", "social_care")),
    Category("equipment_and_technology", "Equipment and technology",
             "Equipment or technology that suits how the child learns or lives: communication aids, software, "
             "sensory or mobility equipment.", ("education", "health", "social_care")),
    Category("coordination", "Bringing the team around the child together",
             "Time to bring home, school or college and other key people together and build a team of dedicated "
             "support, including family.", ("education", "social_care")),
    Category("personal_assistant", "Personal assistant",
             "A personal assistant the family or young person employs or engages: support in the community, at "
             "home, with learning, with health needs, or on journeys.", STREAMS),
    Category("personal_care", "Personal care",
             "Help with personal care at home and in the community.", ("health", "social_care")),
    Category("nursing_care", "Nursing and health care",
             "Nursing and health care at home, for example for a child with continuing care needs.", ("health",)),
    Category("short_breaks", "Short breaks",
             "Breaks for the child and the family: day, evening, overnight or weekend short breaks and holiday "
             "schemes.", ("social_care",)),
    Category("activities", "Leisure and community activities",
             "Clubs, sport and leisure activities that help the child take part in the community and make "
             "friends.", ("social_care",)),
    Category("travel", "Travel to school, college or activities",
             "A personal travel budget: the family arranges the journeys to school, college or activities "
             "instead of LA-arranged transport.", ("transport", "social_care")),
)

REFUSED: tuple[Category, ...] = (
    Category("school_place", "A place at a school",
             "A place at a maintained school, an academy or a free school, including its sixth form.",
             STREAMS, _PLACE),
    Category("independent_school_place", "A place at an independent school",
             "A place at an independent (fee-paying) school, or its fees.", STREAMS, _PLACE),
    Category("special_school_place", "A place at a special school",
             "A place at a special school, maintained, academy, non-maintained or independent.", STREAMS, _PLACE),
    Category("residential_school_place", "A residential or boarding place",
             "A residential or boarding place at a school or college, including termly or 52-week placements.",
             STREAMS, _PLACE),
    Category("alternative_provision_place", "A place in alternative provision",
             "A place at a pupil referral unit or an alternative provision academy or free school.", STREAMS,
             _PLACE),
    Category("college_place", "A place at a college",
             "A place at a further education or sixth form college, or a specialist post-16 institution, or its "
             "fees.", STREAMS, _PLACE),
    Category("early_years_place", "A place at a nursery or early-years setting",
             "A place at a nursery, pre-school, playgroup or other early-years setting, including a "
             "childminder's early-years place, or its fees.", STREAMS, _PLACE),
)

_BY_ID: Mapping[str, Category] = {c.id: c for c in MENU + REFUSED}
VALID = tuple(c.id for c in MENU)  # what a provision line may name

# A name that pairs a school, college or early-years setting with a place in it (or its fees) is a placement,
# whatever it is called: "College Place", "fe_placement", "nursery-fees", "independentSchoolPlacement".
_SETTINGS = ("school", "college", "nursery", "preschool", "earlyyears", "academy", "sixthform", "kindergarten",
             "playgroup", "creche", "childminder", "pupilreferralunit", "furthereducation", "post16", "setting")
_SETTING_TOKENS = ("fe", "pru", "eyfs")
_PLACES = ("place", "placement", "fee", "admission", "enrol", "boarding", "residential")


def is_placement(name: str) -> bool:
    """Whether a category names a place at a school, college or early-years setting (BUD-03)."""
    known = _BY_ID.get(name)
    if known is not None:
        return not known.allowed
    words = re.findall(r"[a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).lower())
    joined = "".join(words)
    setting = any(s in joined for s in _SETTINGS) or any(w in _SETTING_TOKENS for w in words)
    return setting and any(p in joined for p in _PLACES)


@dataclass(frozen=True)
class Menu:
    """The published taxonomy (BUD-15): what may be bought, the menu of each stream, what BUD-03 refuses."""

    local_authority: str | None
    menu: str
    categories: tuple[Category, ...]
    by_stream: Mapping[str, tuple[str, ...]]
    refused: tuple[Category, ...]


def menu(local_authority: str | None = None) -> Menu:
    """The published taxonomy (BUD-15): the menu per stream and what BUD-03 refuses. Every LA has the platform
    default today."""
    return Menu(local_authority, PLATFORM_DEFAULT, MENU,
                {s: tuple(c.id for c in MENU if s in c.streams) for s in STREAMS}, REFUSED)
