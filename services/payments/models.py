"""ORM tables of the payments service."""
from kit.db import make_base

Base = make_base()
