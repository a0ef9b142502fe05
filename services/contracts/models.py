"""ORM tables of the contracts service."""
from kit.db import make_base

Base = make_base()
