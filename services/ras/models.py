"""ORM tables of the ras service."""
from kit.db import make_base

Base = make_base()
