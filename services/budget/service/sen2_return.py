"""The SEN2 return's personal-budget items as the file COLLECT takes (XML) and the validation report before it is
submitted (BUD-11). The rules are in ``domain/sen2_return.py``; the layout is documented in ``docs/sen2.md``."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.errors import Conflict, InvalidInput
from services.budget import repository as repo
from services.budget.domain import sen2_return as sen2
from services.budget.settings import BudgetSettings

MEDIA_TYPE = "application/xml"
SOFTWARE_CODE = "sendpb"
RELEASE = "0.1.0"
# Our own references ride as attributes in a namespace of their own, so the DfE's elements keep their content
# model and the council's SEN2 software can match each plan to its person, request and assessment records.
NS = "urn:sendpb:sen2:personal-budgets:1"
ET.register_namespace("sendpb", NS)


@dataclass(frozen=True)
class Sen2Return:
    local_authority: str
    census_date: date
    lea: str | None
    guide: str
    generated_at: datetime
    records: list[sen2.Sen2Record]
    issues: list[sen2.Issue]

    @property
    def errors_count(self) -> int:
        return sum(1 for i in self.issues if i.severity == sen2.ERROR)

    @property
    def warnings_count(self) -> int:
        return sum(1 for i in self.issues if i.severity == sen2.WARNING)

    @property
    def ready(self) -> bool:
        return self.errors_count == 0

    @property
    def records_count(self) -> int:
        return len(self.records)

    @property
    def taken_up_count(self) -> int:
        return sum(1 for r in self.records if r.pb)

    @property
    def file_name(self) -> str:
        return f"SEN2_{self.census_date.year}_{self.lea or self.local_authority}_personal_budgets.xml"


def checked_census(census: date) -> date:
    """A census date the return can be made for, or a 422 naming ``census_date``."""
    if refusal := sen2.census_refusal(census, clock.today()):
        raise InvalidInput.field("census_date", refusal, rule=sen2.RULE)
    return census


async def plans_at(session: AsyncSession, la: str, census: date) -> list[sen2.PlanAtCensus]:
    """The LA's plans whose period covers the census date, as the domain reads them (three queries)."""
    end_of_census_day = datetime.combine(census + timedelta(days=1), time(0), tzinfo=UTC)
    budgets = await repo.budgets_covering(session, la, census)
    lines: dict[str, list[sen2.PlanLine]] = {}
    for p in await repo.provisions_covering(session, la, census):
        lines.setdefault(p.budget_id, []).append(sen2.PlanLine(p.stream, p.arrangement, p.created_at.date()))
    agreed = await repo.agreed_by_stream_before(session, la, census, end_of_census_day)
    return [
        sen2.PlanAtCensus(
            budget_id=b.id, child_id=b.child_id, plan_reference=b.plan_reference, period_start=b.period_start,
            period_end=b.period_end, status=b.status, agreed_on=b.agreed_at.date() if b.agreed_at else None,
            lines=tuple(lines.get(b.id, ())), agreed_pence=agreed.get(b.id, {}))
        for b in budgets
    ]


async def prepare(session: AsyncSession, settings: BudgetSettings, la: str, census: date) -> Sen2Return:
    """BUD-11: the return's records and its validation report for one LA and census date."""
    checked_census(census)
    plans = await plans_at(session, la, census)
    lea = settings.sen2_la_numbers.get(la)
    return Sen2Return(
        local_authority=la, census_date=census, lea=lea, guide=sen2.GUIDE, generated_at=clock.now(),
        records=sen2.records(plans, census),
        issues=sen2.validate(plans, census, local_authority=la, lea=lea),
    )


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _text(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


def xml_file(ret: Sen2Return) -> bytes:
    """The return as the SEN2 XML message: the header (collection, census year, reference date, source) and one
    ``Person`` per counted plan carrying module 4's PB, OA and DP. 409 while the LA has no DfE LA number."""
    if not ret.lea:
        raise Conflict(f"no DfE LA number is configured for {ret.local_authority} (SENDPB_BUDGET_SEN2_LA_NUMBERS): "
                       f"the return's header needs it", rule=sen2.RULE)
    message = ET.Element("Message")
    header = ET.SubElement(message, "Header")
    details = ET.SubElement(header, "CollectionDetails")
    _text(details, "Collection", "SEN2")
    _text(details, "Year", str(ret.census_date.year))
    _text(details, "ReferenceDate", ret.census_date.isoformat())
    source = ET.SubElement(header, "Source")
    _text(source, "SourceLevel", "L")
    _text(source, "LEA", ret.lea)
    _text(source, "SoftwareCode", SOFTWARE_CODE)
    _text(source, "Release", RELEASE)
    _text(source, "SerialNo", "1")
    _text(source, "DateTime", ret.generated_at.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat())
    for r in ret.records:
        person = ET.SubElement(message, "Person", {f"{{{NS}}}child": r.child_id})
        requests = ET.SubElement(person, "Requests")
        assessment = ET.SubElement(requests, "Assessment")
        plan = ET.SubElement(assessment, "NamedPlan", {f"{{{NS}}}plan": r.plan_reference,
                                                      f"{{{NS}}}budget": r.budget_id})
        _text(plan, "PB", _flag(r.pb))
        if r.pb:
            _text(plan, "OA", _flag(bool(r.oa)))
            if r.dp:
                _text(plan, "DP", r.dp)
    ET.indent(message)
    return ET.tostring(message, encoding="UTF-8", xml_declaration=True) + b"\n"
