"""docs/DATA.md is the inventory of personal data. It is checked against the models, so it cannot drift:

- every column that looks personal must be named (as `table.column`) in its service's section of docs/DATA.md:
  a column whose name says it holds a person's name, date of birth, address or contact, bank details, a child id,
  who did something (`*_by`, client ids) or free text about someone (reasons, notes, grounds, descriptions,
  outcomes, evidence, facts, answers, memos); and every free-form column (Text, JSON, binary), whatever its name,
  because free text and documents can carry anything about a person. A column that matches but holds nothing
  personal is still named, under "Checked, not personal", with the reason;
- every `table.column` the inventory names exists (a renamed or dropped column fails here too);
- every service has its section.
"""
import importlib
import re
from pathlib import Path

import pytest
from sqlalchemy import JSON, LargeBinary, Text

from kit.tables import KIT_METADATA

DATA_MD = Path(__file__).resolve().parents[2] / "docs" / "DATA.md"
SERVICES = ("eligibility", "ras", "budget", "payments", "contracts")
PERSONAL_NAME = re.compile(
    r"name|birth|dob|address|postcode|email|phone|sort_code|account_number|card_reference|child|payee|reason"
    r"|notes|grounds|description|outcome|evidence|facts|answers|corrections|explanation|memo|signed|_by$|who_"
    r"|client_id|body")
NAMED = re.compile(r"`([a-z_]+)\.([a-z_]+)`")


def looks_personal(column) -> bool:
    return bool(PERSONAL_NAME.search(column.name)) or isinstance(column.type, (Text, JSON, LargeBinary))


def sections() -> dict[str, str]:
    """The text under each `## <name> ...` heading, by its first word."""
    parts = re.split(r"^## ", DATA_MD.read_text(), flags=re.M)[1:]
    return {part.split()[0].lower(): part for part in parts}


def metadata_of(service: str):
    return importlib.import_module(f"services.{service}.models").Base.metadata


CASES = [(s, metadata_of(s)) for s in SERVICES] + [("kit", KIT_METADATA)]


def test_every_service_and_the_gateway_has_a_section():
    assert set(SERVICES) | {"gateway", "kit"} <= set(sections())


@pytest.mark.parametrize(("section", "metadata"), CASES, ids=[c[0] for c in CASES])
def test_every_personal_looking_column_is_in_the_inventory(section, metadata):
    named = set(NAMED.findall(sections()[section]))
    missing = [f"{table.name}.{column.name}" for table in metadata.sorted_tables for column in table.columns
               if looks_personal(column) and (table.name, column.name) not in named]
    assert not missing, f"docs/DATA.md, section {section}: classify {missing}"


@pytest.mark.parametrize(("section", "metadata"), CASES, ids=[c[0] for c in CASES])
def test_the_inventory_names_only_columns_that_exist(section, metadata):
    tables = {table.name: {c.name for c in table.columns} for table in metadata.sorted_tables}
    unknown = [f"{t}.{c}" for t, c in NAMED.findall(sections()[section]) if t in tables and c not in tables[t]]
    assert not unknown, f"docs/DATA.md, section {section}: no such column {unknown}"


@pytest.mark.parametrize("name", ["payee_name", "date_of_birth", "home_address", "sort_code", "account_number",
                                  "card_reference", "child_id", "exceptional_reason", "notes", "signed_by",
                                  "who_must_repay", "challenge_grounds", "client_id"])
def test_the_rule_flags_personal_column_names(name):
    assert PERSONAL_NAME.search(name)


@pytest.mark.parametrize("name", ["amount_pence", "local_authority", "status", "due_date", "created_at", "stream"])
def test_the_rule_leaves_plain_business_columns_alone(name):
    assert not PERSONAL_NAME.search(name)
