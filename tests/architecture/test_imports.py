"""The services' imports keep their shape (docs/DEVELOPING.md): checked by import-linter's own engine, one run per
service so that a broken contract names the service it is about."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

from tests.architecture.contracts import SERVICES, render


def _lint(config: str, tmp_path: Path, capsys) -> tuple[int, str]:
    path = tmp_path / "importlinter.ini"
    path.write_text(config)
    # import-linter's CLI configures logging with dictConfig, which disables every logger that already exists
    # (the gateway's access log among them) for the rest of this process: put them back as they were.
    loggers = [lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    disabled = {lg: lg.disabled for lg in loggers}
    try:
        code = lint_imports(config_filename=str(path), no_cache=True, no_logo=True)
    finally:
        for lg, was in disabled.items():
            lg.disabled = was
    return code, capsys.readouterr().out


@pytest.mark.parametrize("service", SERVICES)
def test_service_keeps_its_layers(service, tmp_path, capsys):
    code, report = _lint(render((service,), platform=False), tmp_path, capsys)
    assert code == 0, report


def test_no_service_imports_another_and_kit_imports_none(tmp_path, capsys):
    code, report = _lint(render(()), tmp_path, capsys)
    assert code == 0, report


def test_a_broken_contract_is_caught(tmp_path, capsys):
    """The check can fail: a contract that the code breaks (kit.service imports fastapi) is reported."""
    config = render(()) + ("\n[importlinter:contract:canary]\nname = canary\ntype = forbidden\n"
                           "source_modules =\n    kit.service\nforbidden_modules =\n    fastapi\n")
    code, report = _lint(config, tmp_path, capsys)
    assert code != 0 and "canary BROKEN" in report, report
