from kit.migrations import run_env
from services.budget.models import Base

run_env(Base.metadata)
