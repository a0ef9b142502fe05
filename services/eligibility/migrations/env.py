from kit.migrations import run_env
from services.eligibility.models import Base

run_env(Base.metadata)
