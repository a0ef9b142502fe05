"""Fault injection for the fault loops (tests/faults), dev mode only: a process that kills itself with SIGKILL at
a chosen point, as a crash or an OOM kill would, so the loops can prove that nothing is lost or applied twice.
Settings refuse these outside dev mode (``kit.settings.PlatformSettings``)."""
from __future__ import annotations

import logging
import os
import signal
import sys

log = logging.getLogger("sendpb.faults")


class KillSwitch:
    """SIGKILL this process the ``at``-th time ``trip`` is called (``at`` counts from 1)."""

    def __init__(self, at: int, where: str) -> None:
        self.at, self.where, self.count = at, where, 0

    def trip(self) -> None:
        self.count += 1
        if self.count == self.at:
            log.warning("fault injection: killing process %d (SIGKILL) %s, time %d", os.getpid(), self.where,
                        self.count)
            for handler in logging.getLogger().handlers:
                handler.flush()
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGKILL)
