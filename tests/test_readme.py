"""The README's install commands work as written on a PEP 668 system and say what the app does."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _shell_blocks() -> list[str]:
    return re.findall(r"^```(?:bash|sh|console)\n(.*?)^```", README, re.M | re.S)


def test_every_pip_install_runs_inside_a_virtual_environment() -> None:
    commands = [line for block in _shell_blocks() for line in block.splitlines() if "pip install" in line]
    assert len(commands) >= 2  # the app and the tests
    for line in commands:
        # A system-wide `pip install` is refused under PEP 668: make the venv, then use its pip.
        assert "python3 -m venv .venv" in line and ".venv/bin/pip install" in line, line
        assert not re.search(r"(^|&&\s*)pip3? install", line), line


def test_the_readme_does_not_promise_a_browser_window() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["headless"] is True  # streamlit run opens no browser ...
    # ... so the README says where to go instead of "opens a browser".
    assert not re.search(r"\bopens? (a |the |your )?(web )?browser", README, re.I)
    assert "open http://localhost:8501 in a browser" in README
