"""ORM tables of the budget service."""
from kit.db import make_base

Base = make_base()
