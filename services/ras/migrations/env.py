from kit.migrations import run_env
from services.ras.models import Base

run_env(Base.metadata)
