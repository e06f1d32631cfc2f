"""Shared fixtures: the scripted model server, a temp data dir, the content."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

# The package is imported as installed (requirements-test.txt: `-e .`); the
# tests' own helper modules (fakeserver, helpers, ...) through pytest's
# `pythonpath = ["tests"]` in pyproject.toml.
ROOT = Path(__file__).resolve().parent.parent

# Never let a developer's real configuration or keys leak into a test.
for _var in list(os.environ):
    if (_var.startswith("INTERVIEWER_") and not _var.startswith("INTERVIEWER_TEST_")) or _var.endswith("_API_KEY"):
        del os.environ[_var]
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

from fakeserver import FakeOpenAI  # noqa: E402

from interviewer.framework import Framework, framework  # noqa: E402
from interviewer.llm import ModelSettings  # noqa: E402


@pytest.fixture(scope="session")
def fw() -> Framework:
    return framework()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the user data directory at a temp dir (as simonw/llm's user_path)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch, fake_llm: FakeOpenAI, data_dir: Path) -> FakeOpenAI:
    """The app configured through INTERVIEWER_* variables to use the fake server."""
    monkeypatch.setenv("INTERVIEWER_MODEL", "openai/scripted")
    monkeypatch.setenv("INTERVIEWER_API_BASE", fake_llm.base_url)
    monkeypatch.setenv("INTERVIEWER_RETRIES", "0")
    monkeypatch.setenv("INTERVIEWER_TIMEOUT", "10")
    return fake_llm


@pytest.fixture
def model_settings(fake_llm: FakeOpenAI) -> ModelSettings:
    """litellm's openai/<name> provider pointed at the scripted server, exactly
    as a user would point it at Ollama, llama.cpp or vLLM."""
    return ModelSettings(model="openai/scripted", api_base=fake_llm.base_url, backoff=0, timeout=10)


# --- a real local model (llama.cpp server + Gemma 3 270M GGUF) ---------------

LLAMA_PYTHON = Path(os.environ.get("INTERVIEWER_TEST_LLAMA_PYTHON", ROOT / ".venv-llm" / "bin" / "python"))
GGUF = Path(os.environ.get("INTERVIEWER_TEST_GGUF", ROOT / ".venv-llm" / "gemma3-270m.gguf"))


@pytest.fixture(scope="session")
def llama_server() -> Iterator[str]:
    """Base URL of llama-cpp-python's OpenAI-compatible server on 127.0.0.1.

    .ci/run installs it (requirements-llm.txt) into .venv-llm and assembles the
    GGUF there. Locally, without it, these tests skip; in CI they must run.
    """
    if not (LLAMA_PYTHON.exists() and GGUF.exists()):
        message = f"local model not installed ({LLAMA_PYTHON}, {GGUF}); run .ci/run once"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from localmodel import start_llama_server

    with start_llama_server(LLAMA_PYTHON, GGUF) as base_url:
        yield base_url


# --- real servers for issue 10: PostgreSQL (Debian) and an OpenID provider (npm) ---


def _missing(message: str) -> NoReturn:
    """Skip locally; in CI (CI set) a missing server is a failure, not a skip."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """SQLAlchemy URL of a throw-away PostgreSQL server on 127.0.0.1 (tests/pgserver.py).

    One server per test session; use ``pgserver.fresh_database(pg_url, name)``
    for a clean database per test.
    """
    from pgserver import find_bin_dir, postgres_server

    bin_dir = find_bin_dir()
    if bin_dir is None:
        _missing("PostgreSQL is not installed (apt-get install postgresql); run .ci/run once")
    with postgres_server(bin_dir) as url:
        yield url


@pytest.fixture
def start_oidc_provider(tmp_path: Path) -> Callable[..., contextlib.AbstractContextManager[Any]]:
    """``with start_oidc_provider([redirect_uri, ...]) as op:`` runs tests/oidc/server.mjs
    (npm's oidc-provider) on 127.0.0.1 and yields an ``oidcserver.OidcProvider``."""
    from oidcserver import missing_requirement, oidc_provider

    problem = missing_requirement()
    if problem:
        _missing(f"OpenID provider unavailable: {problem}; run .ci/run once")
    return functools.partial(oidc_provider, log_dir=tmp_path)
