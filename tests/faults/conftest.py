"""The fault loops' settings and their rig. ``SENDPB_FAULT_ROUNDS`` rounds of each loop (the suite's short form: 2;
``make faults``: 20); every random choice comes from ``SENDPB_FAULT_SEED`` (printed at the end of the run and in
every failure), so a failing round can be replayed."""
from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import pytest

from kit.testing import RUN_ID
from tests.faults.outages import REAL
from tests.faults.rig import Rig

SEED = os.environ.get("SENDPB_FAULT_SEED", "sendpb-faults-1")
ROUNDS = int(os.environ.get("SENDPB_FAULT_ROUNDS", "2"))
_rigs: list[Rig] = []


def rng_for(loop: str, round_: int) -> random.Random:
    """The random choices of one round of one loop: the same for the same seed, whatever ran before."""
    return random.Random(f"{SEED}/{loop}/{round_}")


def replay(loop: str, round_: int) -> str:
    return f"{loop}, round {round_ + 1} of {ROUNDS}; replay with SENDPB_FAULT_SEED={SEED}"


@pytest.fixture(scope="session")
async def started_rig():
    """The budget and payments services in processes of their own, shared by every loop of the session. Their
    logs stay in the temporary directory (pytest's own are pruned as other runs start)."""
    started = await Rig.start(Path(tempfile.gettempdir()) / f"sendpb-faults-{RUN_ID}")
    _rigs.append(started)
    try:
        yield started
    finally:
        await started.close()


@pytest.fixture
async def rig(started_rig):
    """The rig, with any process a failed loop left dead started again."""
    await started_rig.heal()
    return started_rig


def pytest_terminal_summary(terminalreporter) -> None:
    for rig in _rigs:
        survived = ", ".join(f"{kind}: {n}" for kind, n in sorted(rig.faults.items())) or "none"
        terminalreporter.write_line(
            f"fault loops: SENDPB_FAULT_SEED={SEED} SENDPB_FAULT_ROUNDS={ROUNDS} "
            f"{'real restarts' if REAL else 'simulated restarts'}; faults injected and survived: {survived}; "
            f"logs in {rig.log_dir}")
        for what, n in sorted(rig.observed.items()):
            terminalreporter.write_line(f"  observed: {what}: {n}")
