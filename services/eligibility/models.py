"""ORM tables of the eligibility service."""
from kit.db import make_base

Base = make_base()
