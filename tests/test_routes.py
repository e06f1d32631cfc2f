"""Keys only go where the operator said (issue 10.1): routes.py and its callers.

Each case is an attack from the issue or an obvious bypass: a visitor names
their own server for an operator model, an operator-looking model at another
base, a provider model with no base (litellm would read OPENAI_API_KEY), a
session file that names a server.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fakeserver import FakeOpenAI
from grading_support import fixture_session
from helpers import new_session as make_session
from streamlit.testing.v1 import AppTest

from interviewer import llm
from interviewer.cli import main
from interviewer.errors import SettingsError
from interviewer.framework import Framework
from interviewer.routes import configured_routes, route_settings
from interviewer.settings import load_settings
from interviewer.web import model_choice

OPERATOR_KEY = "sk-operator-CANARY-7731"
APP = str(Path(__file__).resolve().parent.parent / "app.py")


def settings_for(env: dict[str, str], model: str, base: str | None = None, typed: str = ""):  # type: ignore[no-untyped-def]
    return route_settings(load_settings(env), model, base, typed, env)


OPERATOR = {
    "INTERVIEWER_MODEL": "openai/house",
    "INTERVIEWER_API_BASE": "http://house:8000/v1",
    "INTERVIEWER_API_KEY": OPERATOR_KEY,
}


def test_the_operator_route_gets_the_operator_key() -> None:
    s = settings_for(OPERATOR, "openai/house")
    assert (s.model, s.api_base, s.secret(), s.server_keys) == (
        "openai/house",
        "http://house:8000/v1",
        OPERATOR_KEY,
        True,
    )
    # The same route named with its base (trailing slash and all) is still the operator's.
    assert settings_for(OPERATOR, "openai/house", "http://house:8000/v1/").secret() == OPERATOR_KEY


@pytest.mark.parametrize(
    ("model", "base"),
    [
        ("openai/house", "http://evil.example/v1"),  # the operator's model at the visitor's server
        ("openai/x", "http://evil.example/v1"),  # the case
        ("openai/x", "http://house:8000/v1"),  # another model at the operator's server
        ("gpt-4o", None),  # a provider model: litellm would read OPENAI_API_KEY
        ("anthropic/claude-3-5-haiku-latest", None),
    ],
)
def test_a_visitor_route_never_gets_a_server_key(model: str, base: str | None) -> None:
    s = settings_for(OPERATOR, model, base)
    assert s.secret() is None and s.server_keys is False
    # ... and the call sends a placeholder, so litellm cannot fall back to the environment.
    assert llm._kwargs(s, [{"role": "user", "content": "hi"}])["api_key"] == "sk-no-key-required"


def test_a_typed_key_always_wins_and_goes_only_with_its_route() -> None:
    s = settings_for(OPERATOR, "openai/x", "http://mine:1/v1", typed="sk-visitor")
    assert (s.secret(), s.api_base) == ("sk-visitor", "http://mine:1/v1")
    assert settings_for(OPERATOR, "openai/house", typed="sk-visitor").secret() == "sk-visitor"


def test_custom_models_refused_when_the_operator_says_so() -> None:
    env = {**OPERATOR, "INTERVIEWER_ALLOW_CUSTOM_MODELS": "false"}
    with pytest.raises(SettingsError, match=r"only offers the models its operator configured \(openai/house\)"):
        settings_for(env, "openai/x", "http://evil.example/v1")
    with pytest.raises(SettingsError, match="not one of them"):
        settings_for(env, "openai/house", "http://evil.example/v1")
    assert settings_for(env, "openai/house").secret() == OPERATOR_KEY
    assert settings_for(env, "offline").offline
    with pytest.raises(SettingsError, match="INTERVIEWER_ALLOW_CUSTOM_MODELS must be true or false"):
        load_settings({"INTERVIEWER_ALLOW_CUSTOM_MODELS": "maybe"})


def test_a_bad_visitor_base_is_refused_at_once() -> None:
    with pytest.raises(SettingsError, match="API base URL must be an http"):
        settings_for(OPERATOR, "openai/x", "javascript:alert(1)")


MODELS_YAML = """\
model_list:
  - model_name: fast
    litellm_params:
      model: openai/gpt-4o-mini
      api_key: os.environ/TEAM_OPENAI_KEY
  - model_name: local
    litellm_params:
      model: hosted_vllm/qwen
      api_base: http://vllm:8000/v1
"""


def test_models_file_routes_by_name_with_their_own_key_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(MODELS_YAML)
    monkeypatch.setenv("TEAM_OPENAI_KEY", "sk-team")
    env = {"INTERVIEWER_MODELS_FILE": str(path), "INTERVIEWER_API_KEY": OPERATOR_KEY}
    assert [r.name for r in configured_routes(load_settings(env))] == ["fast", "local"]
    fast = settings_for(env, "fast")
    assert (fast.model, fast.api_base, fast.secret()) == ("openai/gpt-4o-mini", None, "sk-team")
    local = settings_for(env, "local")
    # A route with a server and no key variable gets no key at all, not INTERVIEWER_API_KEY.
    assert (local.model, local.api_base, local.secret(), local.server_keys) == (
        "hosted_vllm/qwen", "http://vllm:8000/v1", None, False,
    )  # fmt: skip
    assert settings_for(env, "fast", "http://evil.example/v1").secret() is None


def test_the_default_model_may_name_a_models_file_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # deploy/compose.yaml's shape: the default is picked from the file, and
    # it is that entry (its server, its key variable), not a bare model name
    # that could read the server's provider keys.
    path = tmp_path / "models.yaml"
    path.write_text(MODELS_YAML)
    monkeypatch.setenv("TEAM_OPENAI_KEY", "sk-team")
    env = {"INTERVIEWER_MODELS_FILE": str(path), "INTERVIEWER_MODEL": "local", "INTERVIEWER_API_KEY": OPERATOR_KEY}
    assert [r.name for r in configured_routes(load_settings(env))] == ["fast", "local"]
    local = settings_for(env, "local")
    assert (local.model, local.api_base, local.secret(), local.server_keys) == (
        "hosted_vllm/qwen", "http://vllm:8000/v1", None, False,
    )  # fmt: skip
    # A default the file does not name stays an environment route, listed first.
    env["INTERVIEWER_MODEL"] = "openai/house"
    assert [r.name for r in configured_routes(load_settings(env))] == ["openai/house", "fast", "local"]
    assert settings_for(env, "openai/house").secret() == OPERATOR_KEY


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "model_list:\n  - model_name: a\n    litellm_params: {model: x, api_key: sk-literal}\n",
            "model_list.0.litellm_params.api_key",
        ),
        ("model_list:\n  - model_name: a\n    litellm_params: {model: x, rpm: 3}\n", "model_list.0.litellm_params.rpm"),
        (
            "model_list:\n  - model_name: a\n    litellm_params: {model: x, api_base: 'ftp://h'}\n",
            "api_base must be an http",
        ),
        ("model_list: []\n", "model_list"),
        ("model_list: [\n", "not valid YAML"),
    ],
)
def test_a_bad_models_file_names_path_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(text)
    with pytest.raises(SettingsError) as got:
        configured_routes(load_settings({"INTERVIEWER_MODELS_FILE": str(path)}))
    assert str(path) in str(got.value) and message in str(got.value)


def test_a_planted_session_does_not_harvest_the_operator_key(fw: Framework) -> None:
    session = make_session(fw, model="openai/house", api_base="http://evil.example/v1", grader_model="openai/house")
    assert model_choice.session_settings(session, "", OPERATOR).secret() is None
    grading = model_choice.grading_settings(session, "", OPERATOR)
    assert grading is not None and grading.secret() is None


# --- through real HTTP: what each server receives ------------------------------------


@pytest.fixture
def second_server() -> FakeOpenAI:
    server = FakeOpenAI().start()
    yield server  # type: ignore[misc]
    server.stop()


def auth_headers(server: FakeOpenAI) -> list[str]:
    return [r.headers.get("authorization", "") for r in server.requests]


def test_test_connection_to_a_visitor_server_carries_no_operator_key(
    fake_llm: FakeOpenAI, second_server: FakeOpenAI, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVIEWER_MODEL", "openai/house")
    monkeypatch.setenv("INTERVIEWER_API_BASE", fake_llm.base_url)
    monkeypatch.setenv("INTERVIEWER_API_KEY", OPERATOR_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", OPERATOR_KEY + "-openai")
    monkeypatch.setenv("INTERVIEWER_RETRIES", "0")
    at = AppTest.from_file(APP, default_timeout=30).run()
    next(b for b in at.button if "Test connection" in b.label).click().run()
    assert auth_headers(fake_llm) == [f"Bearer {OPERATOR_KEY}"]  # the operator's own route

    at.text_input(key="cfg_model").set_value("openai/x")
    at.text_input(key="cfg_base").set_value(second_server.base_url)
    next(b for b in at.button if "Test connection" in b.label).click().run()
    assert not at.exception
    got = auth_headers(second_server)
    assert got and all(OPERATOR_KEY not in h for h in got), got


def test_cli_grade_ignores_the_files_api_base(
    fw: Framework, second_server: FakeOpenAI, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVIEWER_API_KEY", OPERATOR_KEY)
    monkeypatch.setenv("INTERVIEWER_RETRIES", "0")
    monkeypatch.setenv("INTERVIEWER_TIMEOUT", "5")
    session = fixture_session(fw, "weak").model_copy(update={"model": "openai/x", "api_base": second_server.base_url})
    path = tmp_path / "shared_session.json"
    path.write_text(session.model_dump_json())
    out, err = io.StringIO(), io.StringIO()
    main(["grade", str(path), "--format", "json"], stdin=io.StringIO(""), out=out, err=err)
    assert second_server.requests == []  # never contacted, whatever the outcome
    # Named explicitly with --api-base, the operator chose the server.
    main(["grade", str(path), "--api-base", second_server.base_url], stdin=io.StringIO(""), out=out, err=err)
    assert second_server.requests and auth_headers(second_server)[0] == f"Bearer {OPERATOR_KEY}"


def test_cli_resume_takes_the_server_from_the_flag_not_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from interviewer.cli_common import model_settings

    monkeypatch.delenv("INTERVIEWER_API_BASE", raising=False)
    args = argparse.Namespace(model=None, api_base=None, offline=False)
    assert model_settings(args, "openai/x").api_base is None
    args.api_base = "http://127.0.0.1:9/v1"
    assert model_settings(args, "openai/x").api_base == "http://127.0.0.1:9/v1"
