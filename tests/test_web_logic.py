"""The browser app's decisions, as pure functions (no Streamlit involved)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from interviewer.agent import HINT_TEXT, Interviewer
from interviewer.errors import InputError
from interviewer.framework import Framework
from interviewer.llm import Usage
from interviewer.markdown_safe import WORD_JOINER
from interviewer.session import MAX_MESSAGE_CHARS, Session, Turn
from interviewer.settings import ModelSettings
from interviewer.store import SessionSummary, Store
from interviewer.web import mermaid, model_choice, routing, start_form, turns, views

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def make_session(fw: Framework, **kw: object) -> Session:
    return Session(problem=fw.problem("email-composer"), created_at=T0, **kw)  # type: ignore[arg-type]


def turn(role: str, text: str, step: int = 1, minutes: float = 0, **kw: object) -> Turn:
    return Turn(role=role, text=text, step=step, at=T0 + timedelta(minutes=minutes), **kw)  # type: ignore[arg-type]


# --- routing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "page", "session_id"),
    [
        ({}, "start", None),
        ({"session": "live"}, "interview", "live"),
        ({"session": ["old", "live"]}, "interview", "live"),
        ({"session": "done"}, "report", "done"),
        ({"session": "live", "view": "report"}, "report", "live"),
        ({"view": "history"}, "history", None),
        ({"view": "history", "session": "live"}, "history", None),
    ],
)
def test_route_follows_the_url(params: dict[str, str | list[str]], page: str, session_id: str | None) -> None:
    got = routing.route(params, exists=lambda sid: sid in {"live", "done"}, ended=lambda sid: sid == "done")
    assert (got.page, got.session_id, got.notice) == (page, session_id, None)


def test_route_to_unknown_session_falls_back_to_start_with_a_notice() -> None:
    got = routing.route({"session": "nope"}, exists=lambda sid: False, ended=lambda sid: False)
    assert got.page == "start"
    assert got.notice is not None and "'nope'" in got.notice


@pytest.mark.parametrize("page", ["start", "interview", "report", "history"])
def test_params_for_round_trips_through_route(page: routing.Page) -> None:
    params = routing.params_for(page, "abc123")
    got = routing.route(params, exists=lambda sid: sid == "abc123", ended=lambda sid: False)
    assert got.page == page


# --- model settings ----------------------------------------------------------------


def test_default_choice_never_copies_the_key_into_a_widget() -> None:
    env = {"INTERVIEWER_MODEL": "openai/x", "INTERVIEWER_API_BASE": "http://h/v1", "INTERVIEWER_API_KEY": "sk-1"}
    choice = model_choice.default_choice(env)
    assert choice == model_choice.ModelChoice(model="openai/x", api_base="http://h/v1")
    assert model_choice.default_choice({"INTERVIEWER_MODEL": "offline"}).model == ""


def test_interviewer_settings_sidebar_over_env_and_key_fallback() -> None:
    env = {"INTERVIEWER_MODEL": "env/m", "INTERVIEWER_API_KEY": "sk-env", "INTERVIEWER_RETRIES": "0"}
    s = model_choice.interviewer_settings(model_choice.ModelChoice(model="openai/x", api_base=" http://h/v1 "), env)
    # A model the operator did not configure never gets the operator's key (tests/test_routes.py).
    assert (s.model, s.api_base, s.secret(), s.max_retries) == ("openai/x", "http://h/v1", None, 0)
    s_env = model_choice.interviewer_settings(model_choice.ModelChoice(model="env/m"), env)
    assert (s_env.model, s_env.secret()) == ("env/m", "sk-env")
    s2 = model_choice.interviewer_settings(model_choice.ModelChoice(model="openai/x", api_key="sk-typed"), env)
    assert s2.secret() == "sk-typed"
    assert "sk-typed" not in s2.model_dump_json() and "sk-typed" not in repr(s2)
    assert model_choice.interviewer_settings(model_choice.ModelChoice(), {}).offline


def test_grader_model_defaults_to_the_interviewer() -> None:
    assert model_choice.grader_model(model_choice.ModelChoice(model="a/b")) == "a/b"
    assert model_choice.grader_model(model_choice.ModelChoice(model="a/b", grader_model="c/d")) == "c/d"
    assert model_choice.grader_model(model_choice.ModelChoice()) == "offline"


def test_session_and_grading_settings_use_the_sessions_model(fw: Framework) -> None:
    session = make_session(fw, model="openai/x", api_base="http://h/v1", grader_model="openai/judge")
    env = {"INTERVIEWER_MODEL": "other/model", "INTERVIEWER_API_BASE": "http://elsewhere", "INTERVIEWER_API_KEY": "k1"}
    s = model_choice.session_settings(session, "", env)
    assert (s.model, s.api_base, s.secret()) == ("openai/x", "http://h/v1", None)
    g = model_choice.grading_settings(session, "typed", env)
    assert g is not None and (g.model, g.secret()) == ("openai/judge", "typed")
    assert model_choice.grading_settings(make_session(fw), "", env) is None


def test_describe_models_names_both_or_says_offline() -> None:
    assert "Offline mode" in model_choice.describe_models("offline", "offline")
    text = model_choice.describe_models("openai/x", "openai/judge", "http://h/v1")
    assert "`openai/x`" in text and "`openai/judge`" in text and "http://h/v1" in text


# --- starting --------------------------------------------------------------------------


def test_choose_problem_from_bank_or_custom(fw: Framework) -> None:
    assert start_form.choose_problem(fw, "email-composer", "", use_custom=False).id == "email-composer"
    custom = start_form.choose_problem(fw, None, "Design a bot that answers HR questions", use_custom=True)
    assert custom.source == "custom" and "HR questions" in custom.opening_prompt
    with pytest.raises(InputError, match="at least 10"):
        start_form.choose_problem(fw, None, "  short ", use_custom=True)
    with pytest.raises(InputError, match="Unknown problem"):
        start_form.choose_problem(fw, "nope", "", use_custom=False)


def test_new_session_records_model_and_grader_but_no_key(fw: Framework) -> None:
    settings = ModelSettings(model="openai/x", api_base="http://h/v1", api_key="sk-secret")  # type: ignore[arg-type]
    session = start_form.new_session(
        fw, problem=fw.problem("email-composer"), level="staff", minutes=30, settings=settings, grader="openai/x"
    )
    assert (session.model, session.api_base, session.grader_model, session.level) == (
        "openai/x",
        "http://h/v1",
        None,
        "staff",
    )
    assert "sk-secret" not in session.model_dump_json()
    offline = start_form.new_session(
        fw,
        problem=fw.problem("email-composer"),
        level="mid",
        minutes=45,
        settings=ModelSettings(api_base="http://ignored"),
        grader="openai/judge",
    )
    assert offline.offline and offline.api_base is None and offline.grader_model == "openai/judge"
    with pytest.raises(InputError):
        start_form.new_session(fw, problem=fw.problem("email-composer"), level="intern", minutes=45, settings=settings)


# --- the interview loop -------------------------------------------------------------------


def test_decide_covers_every_state(fw: Framework) -> None:
    fresh = make_session(fw)
    assert turns.decide(fresh, None, None) == "owed"  # the opening question
    assert turns.decide(fresh, None, "boom") == "error"

    talking = make_session(fw, turns=[turn("interviewer", "Q?"), turn("candidate", "A.")])
    assert turns.owes_reply(talking)
    assert turns.decide(talking, None, None) == "owed"
    assert turns.decide(talking, None, "boom") == "error"
    assert turns.decide(talking, turns.Pending(talking.id, "retry"), None) == "retry"
    # New input while a reply is owed is not accepted.
    assert turns.decide(talking, turns.Pending(talking.id, "answer", "more"), "boom") == "error"
    assert turns.decide(talking, turns.Pending(talking.id, "end"), "boom") == "end"

    idle = make_session(fw, turns=[turn("interviewer", "Q?")])
    assert turns.decide(idle, None, None) == "idle"
    assert turns.decide(idle, turns.Pending(idle.id, "answer", "x"), None) == "answer"
    assert turns.decide(idle, turns.Pending(idle.id, "hint"), None) == "hint"
    assert turns.decide(idle, turns.Pending(idle.id, "next"), None) == "next"
    assert turns.decide(idle, turns.Pending(idle.id, "retry"), None) == "idle"
    # A pending action for another tab's session is ignored.
    assert turns.decide(idle, turns.Pending("other", "hint"), None) == "idle"

    ended = make_session(fw, turns=[turn("interviewer", "Q?")], ended_at=T0)
    assert turns.decide(ended, turns.Pending(ended.id, "answer", "x"), None) == "ended"


def test_held_text_is_what_an_owed_reply_kept_from_being_sent(fw: Framework) -> None:
    talking = make_session(fw, turns=[turn("interviewer", "Q?"), turn("candidate", "A.")])
    typed = turns.Pending(talking.id, "answer", "my next answer")
    decision = turns.decide(talking, typed, None)
    assert decision == "owed" and turns.held_text(decision, typed) == "my next answer"
    assert turns.held_text("answer", typed) is None  # sent: nothing held
    assert turns.held_text("owed", turns.Pending(talking.id, "answer", "  ")) is None
    assert turns.held_text("owed", turns.Pending(talking.id, "hint")) is None
    assert turns.held_text("owed", None) is None


def test_live_error_is_dropped_once_the_reply_exists(fw: Framework) -> None:
    owed = make_session(fw, turns=[turn("interviewer", "Q?"), turn("candidate", "A.")])
    assert turns.live_error(owed, "boom") == "boom"
    answered = make_session(fw, turns=[turn("interviewer", "Q?"), turn("candidate", "A."), turn("interviewer", "B")])
    assert turns.live_error(answered, "boom") is None
    assert turns.live_error(owed, None) is None


def test_candidate_message_ignores_blank_and_refuses_too_long() -> None:
    assert turns.candidate_message(None) is None
    assert turns.candidate_message(" \n\t ") is None
    assert turns.candidate_message("  hi  ") == "hi"
    with pytest.raises(InputError, match=f"limit is {MAX_MESSAGE_CHARS:,}"):
        turns.candidate_message("x" * (MAX_MESSAGE_CHARS + 1))


def test_start_reply_saves_the_candidate_turn_then_streams(fw: Framework, tmp_path: Path) -> None:
    store = Store(tmp_path)
    session = make_session(fw)
    it = Interviewer(fw, session, ModelSettings(), store)
    opening = turns.start_reply(it, "owed")
    assert opening is not None and opening.consume()
    assert turns.start_reply(it, "answer", "   ") is None
    assert len(store.load(session.id).turns) == 1

    reply = turns.start_reply(it, "answer", "Who are the users?")
    assert reply is not None
    # Saved before the reply is read.
    assert [t.role for t in store.load(session.id).turns] == ["interviewer", "candidate"]
    reply.consume()
    hint = turns.start_reply(it, "hint")
    assert hint is not None and hint.consume()
    saved = store.load(session.id).turns
    assert [t.kind for t in saved][-2:] == ["hint", "hint"] and saved[-2].text == HINT_TEXT
    nxt = turns.start_reply(it, "next")
    assert nxt is not None
    nxt.consume()
    assert store.load(session.id).current_step == 2
    assert turns.start_reply(it, "idle") is None


def test_input_placeholder_explains_why_input_is_off() -> None:
    assert "ended" in turns.input_placeholder("ended", None)
    assert "Retry" in turns.input_placeholder("error", "boom")
    assert "mermaid" in turns.input_placeholder("idle", None)


# --- what the page shows ------------------------------------------------------------------


def test_step_rows_tick_passed_steps_and_highlight_the_current(fw: Framework) -> None:
    session = make_session(fw, current_step=3)
    rows = views.step_rows(fw, session)
    assert [r.state for r in rows] == ["done", "done", "current", "todo", "todo", "todo", "todo"]
    # States in words (an icon ligature would be read out as "check_circle").
    assert rows[2].label == f"**3\\. {fw.step(3).title}** — :blue[**in progress**]"
    assert rows[0].label == f"1\\. {fw.step(1).title} — :green[done]"
    assert rows[6].label == f"7\\. {fw.step(7).title} — not started"
    assert not any("material/" in r.label for r in rows)

    ended = make_session(fw, current_step=2, ended_at=T0)
    ended_rows = views.step_rows(fw, ended)
    assert [r.state for r in ended_rows][:3] == ["done", "todo", "todo"]
    assert [r.words for r in ended_rows][:3] == ["done", "ended here", "not reached"]


def test_step_strip_says_each_state_in_words_and_the_time(fw: Framework) -> None:
    session = make_session(fw, current_step=2, minutes=30, turns=[turn("interviewer", "Q", step=2)])
    strip = views.step_strip_html(views.step_rows(fw, session), views.clock_view(fw, session, now=T0))
    assert 'aria-label="Interview progress"' in strip
    assert f"Step 1, {fw.step(1).title}: done" in strip
    assert f"Step 2, {fw.step(2).title}: in progress" in strip and 'aria-current="step"' in strip
    assert f"Step 7, {fw.step(7).title}: not started" in strip
    assert f"Step 2 of 7 · {fw.step(2).title}" in strip
    assert "30:00 left" in strip and "over" not in strip.split("</style>")[1]
    late = views.ClockView(total_left="0:00", step_left="0:00", step_over=True, total_over=True)
    assert "(over time)" in views.step_strip_html(views.step_rows(fw, session), late)


def test_custom_problem_gets_a_short_heading(fw: Framework) -> None:
    from interviewer.framework import custom_problem

    assert views.page_title(fw.problem("email-composer")) == "Smart email composer"
    assert views.page_title(custom_problem("Design a bot that answers HR questions for a large company")) == (
        "Your own problem"
    )
    assert views.problem_option(fw.problem("email-composer")) == "Smart email composer · text, realtime, privacy"


def test_feedback_sections_cut_at_second_level_headings() -> None:
    md = "# Title\n\n| a | b |\n\n## Summary\n\nGood.\n\n## Scores by step\n\n|x|\n\n## Step 1: X — 3.0 / 5\n\n> ## quoted\n"
    assert views.feedback_sections(md) == [
        ("Summary", "Good."),
        ("Scores by step", "|x|"),
        ("Step 1: X — 3.0 / 5", "> ## quoted"),
    ]


def test_clock_view_counts_down_and_flags_overrun(fw: Framework) -> None:
    session = make_session(fw, minutes=30, turns=[turn("interviewer", "Q", minutes=0)])
    view = views.clock_view(fw, session, now=T0 + timedelta(minutes=2))
    assert view.total_left == "28:00" and not view.total_over
    late = make_session(fw, minutes=5, turns=[turn("interviewer", "Q"), turn("candidate", "A", minutes=7)])
    over = views.clock_view(fw, late, now=T0 + timedelta(minutes=7))
    assert over.total_left == "0:00" and over.total_over and over.step_over


def test_usage_view_shows_model_usage_or_offline(fw: Framework) -> None:
    online = make_session(fw, model="openai/x")
    online.usage = Usage(prompt_tokens=1200, completion_tokens=34, cost_usd=0.01234, calls=2)
    assert views.usage_view(online) == ("1,234", "$0.0123")
    offline = make_session(fw, turns=[turn("interviewer", "Q", tokens=10), turn("candidate", "A", tokens=5)])
    assert views.usage_view(offline) == ("15", "free (offline)")
    # Calls made, but litellm knows no price for the model: unknown, not free.
    unpriced = make_session(fw, model="openai/fake")
    unpriced.usage = Usage(prompt_tokens=100, completion_tokens=10, cost_usd=0.0, calls=1)
    assert views.usage_view(unpriced) == ("110", "unknown")
    assert views.usage_view(make_session(fw, model="openai/fake")) == ("0", "$0")
    assert views.usage_line(unpriced) == "Tokens: 110 · Cost: unknown"


def test_turn_markdown_marks_button_presses(fw: Framework) -> None:
    assert views.turn_markdown(turn("candidate", HINT_TEXT, kind="hint", hint=True)) == "*Asked for a hint*"
    assert views.turn_markdown(turn("candidate", "(x)", kind="next")) == "*Asked to move on to the next step*"
    assert views.turn_markdown(turn("candidate", "**bold**")) == "**bold**"


def test_split_mermaid_cuts_out_fenced_diagrams() -> None:
    text = "Here is my design:\n\n```mermaid\ngraph TD\n  A-->B\n```\n\nThen `code`:\n```python\nx = 1\n```\n"
    assert mermaid.split_mermaid(text) == [
        ("markdown", "Here is my design:"),
        ("mermaid", "graph TD\n  A-->B"),
        ("markdown", "Then `code`:\n```python\nx = 1\n```"),
    ]
    assert mermaid.split_mermaid("~~~ Mermaid\nflowchart LR; a-->b\n~~~") == [("mermaid", "flowchart LR; a-->b")]
    assert mermaid.split_mermaid("no diagram") == [("markdown", "no diagram")]
    assert mermaid.split_mermaid("```mermaid\n\n```") == []


def _summary(**update: object) -> SessionSummary:
    """A graded session's row as the store lists it; ``update`` changes fields."""
    summary = SessionSummary(
        id="s1",
        problem_id="email-composer",
        title="Email",
        level="senior",
        model="offline",
        created_at=T0,
        updated_at=T0,
        ended_at=T0,
        current_step=4,
        turns=9,
        overall_score=3.5,
    )
    return summary.model_copy(update=update)


def test_history_rows_and_trend(fw: Framework) -> None:
    summary = _summary()
    row = views.session_rows([summary])[0]
    assert (row["step"], row["status"], row["score"], row["started"]) == (
        "4/7",
        "graded",
        "3.5 / 5",
        "2026-01-01 12:00",
    )
    assert views.session_label(summary).endswith("· graded · 3.5 / 5")
    open_one = summary.model_copy(update={"ended_at": None, "overall_score": None})
    assert views.session_rows([open_one])[0]["status"] == "in progress"
    assert views.session_rows([open_one])[0]["score"] == ""
    assert "step 4/7" in views.session_label(open_one)
    ungraded = summary.model_copy(update={"overall_score": None})
    assert views.session_status(ungraded) == "ended"


def test_a_session_label_never_links_a_url_in_a_custom_title() -> None:
    custom = _summary(
        problem_id="custom",
        title="Design https://evil.example and mail me at a@b.co, see www.x.org",
        ended_at=None,
        overall_score=None,
    )
    label = views.session_label(custom)
    assert "https://" not in label and "www." not in label and "a@b" not in label
    assert label.replace(WORD_JOINER, "").replace("\\", "").startswith("Design https://evil.example")


def test_page_window_pages_and_clamps() -> None:
    first = views.page_window(45, 0, 20)
    assert (first.page, first.pages, first.offset, first.limit) == (0, 3, 0, 20)
    assert first.caption == "Sessions 1–20 of 45"
    assert views.page_window(45, 2, 20).caption == "Sessions 41–45 of 45"
    # Past the end (sessions removed elsewhere) shows the last page; below 0 the first.
    assert views.page_window(45, 9, 20).offset == 40 and views.page_window(45, -1, 20).offset == 0
    assert views.page_window(20, 1, 20).pages == 1 and views.page_window(20, 1, 20).page == 0
    assert views.page_window(0, 0, 20).pages == 1


def test_trend_rows_one_series_for_overall_and_each_step() -> None:
    t1, t2 = T0, T0 + timedelta(days=1)
    rows = views.trend_rows([(t1, 2.5), (t2, 3.5)], {2: [(t2, 4.0)], 1: [(t1, 3.0)], 3: []})
    assert rows == [
        {"graded": t1, "series": "Overall", "score": 2.5},
        {"graded": t2, "series": "Overall", "score": 3.5},
        {"graded": t1, "series": "Step 1", "score": 3.0},
        {"graded": t2, "series": "Step 2", "score": 4.0},
    ]


def test_report_step_rows_one_score_format_and_not_reached() -> None:
    from interviewer.results import StepResult

    steps = [
        StepResult(step=1, title="Clarify", score=3.456, status="graded"),
        StepResult(step=2, title="Frame", score=2, status="offline"),
        StepResult(step=3, title="Data", status="not covered"),
        StepResult(step=4, title="Model", status="not graded", reason="timeout"),
    ]
    rows = views.report_step_rows(steps)
    assert [r["score"] for r in rows] == ["3.5 / 5", "2.0 / 5", "not reached", "not graded"]
    assert rows[0]["step"] == "1. Clarify" and rows[0]["status"] == "graded by model"
    assert [d[0] for d in views.REPORT_DOWNLOADS] == ["Markdown", "HTML", "JSON", "PDF"]


def test_report_filename_is_safe(fw: Framework) -> None:
    session = make_session(fw)
    assert views.report_filename(session, "pdf") == f"interview-email-composer-{session.id}.pdf"


def test_keyboard_script_is_bundled_and_knows_the_limit() -> None:
    from interviewer.web import keys

    html = keys.script_html()
    assert f"window.__interviewerMaxChars = {MAX_MESSAGE_CHARS};" in html
    assert "stChatInputTextArea" in html and "data-test-script-state" in html
    assert not re.search(r"https?://", html)  # nothing is fetched


def test_favicon_is_a_bundled_file() -> None:
    from interviewer.web import app

    assert app.FAVICON.is_file() and app.FAVICON.read_bytes().startswith(b"\x89PNG")
