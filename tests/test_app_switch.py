"""Switching a running interview's model, server or to offline from the sidebar (issue 11.3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from apptest import chats, new_app, ok, only_session
from fakeserver import FakeOpenAI
from streamlit.testing.v1 import AppTest

from interviewer.markdown_safe import safe_markdown
from interviewer.session import Session, utcnow
from interviewer.store import Store
from interviewer.switching import apply_switch


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.main.caption)


@pytest.fixture
def second() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    try:
        yield server
    finally:
        server.stop()


def test_switch_server_then_offline_mid_interview(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, second: FakeOpenAI
) -> None:
    first = FakeOpenAI().start()
    monkeypatch.setenv("INTERVIEWER_MODEL", "openai/fake")
    monkeypatch.setenv("INTERVIEWER_API_BASE", first.base_url)
    monkeypatch.setenv("INTERVIEWER_API_KEY", "server-secret")
    monkeypatch.setenv("INTERVIEWER_RETRIES", "0")
    monkeypatch.setenv("INTERVIEWER_TIMEOUT", "10")
    first.script("Welcome. What does the system produce?")
    at = ok(new_app().run())
    ok(at.button(key="start_button").click().run())
    assert chats(at)[-1][1].endswith("Welcome. What does the system produce?")
    assert at.text_input(key="sw_model").value == "openai/fake"
    assert at.text_input(key="sw_base").value == first.base_url
    first.stop()  # the server dies

    answer = "Short email continuations."
    ok(at.chat_input(key="chat").set_value(answer).run())
    assert at.error and at.button(key="retry")
    ok(at.button(key="retry").click().run())  # the same dead server: still an error
    assert at.error

    # Switch to the second server: the owed reply comes from it, at once.
    second.script("Second server here. Who are the users?", "Second again. What latency?")
    at.text_input(key="sw_base").set_value(second.base_url)
    ok(at.button(key="sw_apply").click().run())
    assert not at.error
    assert chats(at)[-1] == ("assistant", "Second server here. Who are the users?")
    assert len(second.chat_requests) == 1
    assert second.chat_requests[0].prompt_text.count(answer) == 1
    # A server the operator did not configure never gets the operator's key.
    auth = {k.lower(): v for k, v in second.chat_requests[0].headers.items()}.get("authorization", "")
    assert "server-secret" not in auth
    # The model and server are what a user typed: shown as inert Markdown.
    assert safe_markdown(f"Model switched to `openai/fake` (server: {second.base_url})") in captions(at)
    ok(at.chat_input(key="chat").set_value("Office workers writing email.").run())
    assert chats(at)[-1] == ("assistant", "Second again. What latency?")

    saved = only_session(data_dir)
    assert saved.api_base == second.base_url
    assert [n.before for n in saved.notices] == [2]

    # Reload: the sidebar shows the session's model and server, and the notice stays.
    again = ok(new_app(session=saved.id).run())
    assert again.text_input(key="sw_model").value == "openai/fake"
    assert again.text_input(key="sw_base").value == second.base_url
    assert "Model switched to `openai/fake`" in captions(again)

    # Continue offline: the next reply is the scripted interviewer's, not a model call.
    ok(again.button(key="sw_offline").click().run())
    ok(again.chat_input(key="chat").set_value("Under 200 ms per suggestion.").run())
    saved = only_session(data_dir)
    assert saved.offline and saved.api_base is None
    assert saved.turns[-1].role == "interviewer" and saved.turns[-1].offline
    assert len(second.chat_requests) == 2
    assert [n.text for n in saved.notices][-1] == "Continuing offline"
    third = ok(new_app(session=saved.id).run())
    assert third.text_input(key="sw_model").value == ""
    assert "Continuing offline" in captions(third) and "Model switched" in captions(third)

    # The report page's transcript carries both notices too.
    saved.ended_at = utcnow()
    Store(data_dir).save(saved)
    report = ok(new_app(session=saved.id).run())
    assert "Continuing offline" in captions(report) and "Model switched to `openai/fake`" in captions(report)


def test_reload_shows_the_model_typed_at_the_start(data_dir: Path, fake_llm: FakeOpenAI) -> None:
    fake_llm.script("Welcome. What does it produce?")
    at = ok(new_app().run())
    at.text_input(key="cfg_model").set_value("openai/fake")
    at.text_input(key="cfg_base").set_value(fake_llm.base_url)
    ok(at.button(key="start_button").click().run())
    session = only_session(data_dir)
    assert session.model == "openai/fake"
    again = ok(new_app(session=session.id).run())
    assert again.text_input(key="cfg_model").value == ""  # the visitor's fields, for new interviews
    assert again.text_input(key="sw_model").value == "openai/fake"
    assert again.text_input(key="sw_base").value == fake_llm.base_url


def test_configured_routes_only_a_switch_uses_the_routes_own_key(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, tmp_path: Path, fake_llm: FakeOpenAI, second: FakeOpenAI
) -> None:
    models = tmp_path / "models.yaml"
    models.write_text(
        "model_list:\n"
        f"  - model_name: alpha\n    litellm_params: {{model: openai/a, api_base: '{fake_llm.base_url}', "
        "api_key: os.environ/ALPHA_KEY}\n"
        f"  - model_name: beta\n    litellm_params: {{model: openai/b, api_base: '{second.base_url}', "
        "api_key: os.environ/BETA_KEY}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("INTERVIEWER_MODELS_FILE", str(models))
    monkeypatch.setenv("INTERVIEWER_ALLOW_CUSTOM_MODELS", "false")
    monkeypatch.setenv("INTERVIEWER_RETRIES", "0")
    monkeypatch.setenv("ALPHA_KEY", "alpha-secret")
    monkeypatch.setenv("BETA_KEY", "beta-secret")
    fake_llm.script("Alpha opening. What does it produce?")
    second.script("Beta here. Who are the users?")
    at = ok(new_app().run())
    at.selectbox(key="cfg_model").set_value("alpha")
    ok(at.button(key="start_button").click().run())
    assert at.selectbox(key="sw_model").value == "alpha"
    assert not [t for t in at.text_input if t.key == "sw_base"]  # no free server field here
    at.selectbox(key="sw_model").set_value("beta")
    ok(at.button(key="sw_apply").click().run())
    ok(at.chat_input(key="chat").set_value("Email continuations.").run())
    assert chats(at)[-1] == ("assistant", "Beta here. Who are the users?")
    auth = {k.lower(): v for k, v in second.chat_requests[-1].headers.items()}["authorization"]
    assert auth == "Bearer beta-secret"
    session = only_session(data_dir)
    assert (session.model, session.api_base) == ("openai/b", second.base_url)
    assert at.selectbox(key="sw_model").value == "beta"


def test_apply_switch_is_a_no_op_when_nothing_changed(fw) -> None:  # type: ignore[no-untyped-def]
    session = Session(problem=fw.problem("email-composer"), model="openai/x", api_base="http://h/v1")
    assert apply_switch(session, "openai/x", "http://h/v1", None, utcnow()) is None
    notice = apply_switch(session, "offline", "http://h/v1", "openai/judge", utcnow())
    assert notice is not None and notice.text == "Continuing offline" and notice.before == 0
    assert (session.model, session.api_base, session.grader_model) == ("offline", None, None)
