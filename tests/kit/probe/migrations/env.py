from kit.migrations import run_env
from tests.kit.probe.app import Base

run_env(Base.metadata)
