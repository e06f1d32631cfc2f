"""The Streamlit app's flows through streamlit.testing (no browser, no network).

Each test points INTERVIEWER_DATA_DIR at a temp dir (the ``data_dir``
fixture) and checks what the page shows *and* what the store holds.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from apptest import chats, new_app, ok, only_session
from fakeserver import FakeOpenAI, Reply
from scripted_grader import grader_json
from streamlit.testing.v1 import AppTest

from interviewer.agent import Interviewer
from interviewer.framework import Framework
from interviewer.session import MAX_MESSAGE_CHARS, Session
from interviewer.store import Store
from interviewer.web import views


def shown(markdown: str) -> str:
    """What an element's Markdown reads as: user text is escaped (markdown_safe.plain)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("&lt;", "<").replace("&gt;", ">")


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    found = [b for b in at.button if label in b.label]
    assert found, f"no button {label!r} in {[b.label for b in at.button]}"
    return found[0]


def start(at: AppTest) -> AppTest:
    ok(at.run())
    return ok(at.button(key="start_button").click().run())


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- offline ----------------------------------------------------------------------


def page_text(at: AppTest) -> str:
    """Everything the main column says in text (info, markdown, captions)."""
    parts = [e.value for kind in ("info", "markdown", "caption", "warning") for e in at.main.get(kind)]
    return "\n".join(str(p) for p in parts)


def side_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.sidebar.markdown)


def test_start_page_lists_the_bank_and_says_offline_once(data_dir: Path, fw: Framework) -> None:
    at = ok(new_app().run())
    assert "Offline mode" in at.info[0].value and "Grading is offline too" in at.info[0].value
    assert page_text(at).count("Offline mode") == 1
    # The picker lists each problem's tags, not titles alone; the card shows the summary.
    assert at.selectbox(key="start_problem").options == [f"{p.title} · {', '.join(p.tags)}" for p in fw.problems]
    first = fw.problems[0]
    assert any(first.summary in m.value for m in at.markdown)
    assert any(f":blue-badge[{first.tags[0]}]" in m.value for m in at.markdown)
    assert [r.value for r in at.radio if r.key == "start_level"] == ["senior"]
    # Model settings start folded so the keyboard reaches the picker first.
    assert not at.sidebar.expander[0].proto.expanded


def test_offline_interview_answer_hint_next_and_end(data_dir: Path) -> None:
    at = new_app()
    at.run()
    at.selectbox(key="start_problem").set_value("email-composer")
    at.radio(key="start_level").set_value("staff")
    start(at)

    session = only_session(data_dir)
    assert at.query_params["session"] == session.id
    assert (session.problem.id, session.level, session.model) == ("email-composer", "staff", "offline")
    assert [c[0] for c in chats(at)] == ["assistant"]
    assert "Step 1 of 7" in chats(at)[0][1]
    assert page_text(at).count("Offline mode") == 1
    assert "- **1\\. Clarify requirements and constraints** — :blue[**in progress**]" in side_text(at)
    strip = next(h.proto.body for h in at.main.get("html") if "ivw-strip" in h.proto.body)
    assert "Step 1, Clarify requirements and constraints: in progress" in strip and "Step 2, " in strip
    # The controls sit in the main column (under the input), not in the sidebar.
    assert {b.key for b in at.sidebar.button}.isdisjoint({"ctl_hint", "ctl_next", "ctl_end"})

    ok(at.chat_input(key="chat").set_value("Who are the users, and at what scale?").run())
    names = [c[0] for c in chats(at)]
    assert names == ["assistant", "user", "assistant"]
    assert chats(at)[1][1] == "Who are the users, and at what scale?"
    assert "users and scale" in chats(at)[2][1]

    ok(button(at, "Hint").click().run())
    session = only_session(data_dir)
    assert [t.kind for t in session.turns[-2:]] == ["hint", "hint"] and session.turns[-2].hint
    assert chats(at)[-2][1] == views.HINT_MARK

    ok(button(at, "Next step").click().run())
    session = only_session(data_dir)
    assert session.current_step == 2
    assert "Step 2 of 7" in chats(at)[-1][1]
    side = side_text(at)
    assert "- 1\\. Clarify requirements and constraints — :green[done]" in side
    assert "**2\\. Frame it as an ML problem** — :blue[**in progress**]" in side

    # End asks first; "Keep going" changes nothing.
    turns_before = len(session.turns)
    ok(at.button(key="ctl_end").click().run())
    assert any("End the interview now?" in m.value for m in at.markdown)
    ok(at.button(key="ctl_keep").click().run())
    assert not only_session(data_dir).ended and at.button(key="ctl_end") is not None
    ok(at.button(key="ctl_end").click().run())
    ok(at.button(key="ctl_end_yes").click().run())
    session = only_session(data_dir)
    assert session.ended and len(session.turns) == turns_before
    assert at.query_params["view"] == "report"
    assert at.title[0].value.startswith("Report")
    # Offline grading: the progress box is gone once graded; the coverage check and its downloads.
    assert not at.status
    assert any("rubric coverage check, not a grade" in i.value for i in at.info)
    assert page_text(at).count("rubric coverage check, not a grade") == 1
    assert [d.label for d in at.get("download_button")] == ["Markdown", "HTML", "JSON", "PDF"]
    stored = Store(data_dir).latest_report(session.id)
    assert stored is not None and stored.data["offline"] is True
    assert stored.overall_score is None and stored.data["verdict"] is None
    assert next(m for m in at.metric if m.label == "Rubric coverage").value == f"{stored.data['coverage']:.0%}"
    assert next(m for m in at.metric if m.label == "Hire verdict").value == "needs a model grader"
    # One coverage table; unreached steps say so; every figure reads "NN%".
    tables = [m.value for m in at.main.markdown if m.value.startswith("| Step | Coverage | Status |")]
    assert len(tables) == 1 and not at.dataframe
    figures = [row.split(" | ")[1] for row in tables[0].splitlines()[2:]]
    assert len(figures) == 7 and "None" not in figures and "not reached" in figures
    assert all(f == "not reached" or f.endswith("%") for f in figures)
    headings = [e.label for e in at.main.expander]
    assert not any(h.startswith(("Scores by step", "Coverage by step")) for h in headings)
    # The summary opens; the long per-step detail and the transcript are folded (a short page).
    opened = {e.label: e.proto.expanded for e in at.main.expander}
    assert opened["Summary"] and sum(h.startswith("Step ") for h in opened) == 7
    assert not any(v for h, v in opened.items() if h.startswith("Step ") or h == "Transcript")
    # The hint is recorded in the report.
    assert [line["kind"] for line in stored.data["transcript"] if line["hint"]] == ["hint", "hint"]  # type: ignore[index, union-attr, attr-defined]
    assert stored.data["steps"][0]["hints"] == 1  # type: ignore[index]


def test_empty_input_is_ignored_and_the_box_has_the_limit(data_dir: Path) -> None:
    at = start(new_app())
    before = only_session(data_dir).turns

    ok(at.chat_input(key="chat").set_value("   \n ").run())
    assert only_session(data_dir).turns == before
    assert not at.warning and len(chats(at)) == 1

    # The box itself counts and refuses past the limit (the browser test pastes
    # into it); a message of exactly the limit goes through whole.
    assert at.chat_input(key="chat").proto.max_chars == MAX_MESSAGE_CHARS
    ok(at.chat_input(key="chat").set_value("x" * MAX_MESSAGE_CHARS).run())
    assert only_session(data_dir).turns[-2].text == "x" * MAX_MESSAGE_CHARS
    assert not at.warning


def test_custom_problem_needs_a_description(data_dir: Path) -> None:
    at = ok(new_app().run())
    at.radio(key="start_source").set_value("My own problem")
    ok(at.run())
    ok(at.button(key="start_button").click().run())
    assert "at least 10 characters" in at.error[0].value
    assert Store(data_dir).list_sessions() == []

    at.text_area(key="start_custom").set_value("Design a chatbot that answers questions about HR policies.")
    ok(at.button(key="start_button").click().run())
    session = only_session(data_dir)
    assert session.problem.source == "custom"
    assert "HR policies" in chats(at)[0][1]
    # The sentence is text under a short heading, not a three-line H1.
    assert at.title[0].value == "Your own problem"
    assert any("HR policies" in m.value for m in at.main.markdown)


def test_resume_by_query_param_shows_every_turn(data_dir: Path, fw: Framework) -> None:
    store = Store(data_dir)
    session = Session(problem=fw.problem("answer-engine"), level="mid")
    it = Interviewer(fw, session, store=store)
    it.open().consume()
    it.answer("We need citations for every claim. What is the latency budget?").consume()
    it.hint().consume()
    it.next_step().consume()
    saved = store.load(session.id)

    at = ok(new_app(session=session.id).run())
    shown = chats(at)
    assert len(shown) == len(saved.turns) == 7
    assert shown[1] == ("user", "We need citations for every claim. What is the latency budget?")
    assert [name for name, _ in shown] == ["assistant", "user"] * 3 + ["assistant"]
    assert "**2\\. Frame it as an ML problem** — :blue[**in progress**]" in side_text(at)
    # Nothing was re-sent or re-answered by opening the page.
    assert len(store.load(session.id).turns) == 7


def test_unknown_session_in_url_falls_back_to_start(data_dir: Path) -> None:
    at = ok(new_app(session="doesnotexist").run())
    assert "doesnotexist" in at.warning[0].value
    assert at.button(key="start_button") is not None


def test_past_sessions_and_history_open_an_earlier_interview(data_dir: Path, fw: Framework) -> None:
    store = Store(data_dir)
    session = Session(problem=fw.problem("ticket-triage"))
    Interviewer(fw, session, store=store).open().consume()

    at = ok(new_app().run())
    assert any("Past sessions" in s.value for s in at.subheader)
    opener = at.button(key=f"open-{session.id}")
    assert opener.label.startswith(session.problem.title) and "step 1/7" in opener.label
    ok(opener.click().run())
    assert at.query_params["session"] == session.id
    assert at.title[0].value == session.problem.title

    at = ok(new_app(view="history").run())
    rows = at.dataframe[0].value
    assert list(rows["id"]) == [session.id]
    assert list(rows["status"]) == ["in progress"]
    assert "No graded interviews yet" in at.caption[0].value
    shown = at.dataframe[0].proto.column_order
    assert list(shown) == ["started", "problem", "level", "step", "status", "score"]


# --- with a model (the scripted OpenAI-compatible server) -----------------------------


def test_model_interview_streams_replies_and_counts_tokens(
    scripted: FakeOpenAI, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted.script("Welcome. What does the system produce?", "Good. Which users matter most?")
    at = start(new_app())
    assert chats(at)[0][1].endswith("Welcome. What does the system produce?")
    assert "`openai/scripted`" in at.caption[0].value
    # After a streamed reply the page is finished as it stands: no second run
    # (which kept the input locked for seconds after the visible end).
    import streamlit

    reruns: list[object] = []
    real_rerun = streamlit.rerun
    monkeypatch.setattr(streamlit, "rerun", lambda *a, **k: (reruns.append(a), real_rerun(*a, **k)))
    ok(at.chat_input(key="chat").set_value("Short email continuations.").run())
    assert reruns == []
    assert chats(at)[-1][1] == "Good. Which users matter most?"
    # The controls under the input are live again in that same run.
    assert not at.button(key="ctl_hint").disabled and not at.chat_input(key="chat").disabled
    session = only_session(data_dir)
    assert session.usage.calls == 2 and session.usage.total_tokens > 0
    # The scripted model has no price: the cost is unknown, not "$0".
    assert f"Tokens: {session.usage.total_tokens:,} · Cost: unknown" in at.sidebar.caption[0].value


def test_unreachable_model_shows_the_reason_and_a_retry(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, fake_llm: FakeOpenAI
) -> None:
    monkeypatch.setenv("INTERVIEWER_MODEL", "openai/scripted")
    monkeypatch.setenv("INTERVIEWER_API_BASE", f"http://127.0.0.1:{closed_port()}/v1")
    monkeypatch.setenv("INTERVIEWER_RETRIES", "0")
    at = start(new_app())
    assert "Could not reach the model server" in at.error[0].value
    assert at.button(key="retry") is not None
    assert at.chat_input(key="chat").disabled
    assert only_session(data_dir).turns == []

    # Fix the server URL for this session, then retry: the opening arrives.
    session = only_session(data_dir)
    session.api_base = fake_llm.base_url
    Store(data_dir).save(session)
    fake_llm.script("Hello again. What does the system produce?")
    ok(at.button(key="retry").click().run())
    assert not at.error
    assert chats(at)[-1][1].endswith("Hello again. What does the system produce?")
    assert not at.chat_input(key="chat").disabled


def test_model_error_keeps_the_answer_once_and_retry_does_not_resend(scripted: FakeOpenAI, data_dir: Path) -> None:
    scripted.script(
        "Welcome. What does it produce?",
        Reply(status=503, error="overloaded"),
        "Thanks. What latency do you need?",
    )
    at = start(new_app())
    answer = "Suggestions of the next few words."
    ok(at.chat_input(key="chat").set_value(answer).run())
    assert "failed (HTTP 503)" in shown(at.error[0].value)
    assert "saved" in at.main.caption[-1].value
    session = only_session(data_dir)
    assert [(t.role, t.text) for t in session.turns[1:]] == [("candidate", answer)]
    # The answer shows, followed by the interviewer's error bubble.
    assert chats(at)[-2:] == [("user", answer), ("assistant", "")]
    assert at.main.chat_message[-1].error[0].value == at.error[0].value

    ok(at.run())  # a rerun alone does not call the broken model again
    assert len(scripted.chat_requests) == 2 and at.error

    ok(at.button(key="retry").click().run())
    session = only_session(data_dir)
    assert [t.role for t in session.turns] == ["interviewer", "candidate", "interviewer"]
    assert sum(t.text == answer for t in session.turns) == 1
    assert len(scripted.chat_requests) == 3
    assert scripted.chat_requests[-1].prompt_text.count(answer) == 1
    assert chats(at)[-1] == ("assistant", "Thanks. What latency do you need?")
    assert not at.error


def test_rate_limit_is_explained(scripted: FakeOpenAI, data_dir: Path) -> None:
    scripted.script(Reply(status=429, error="slow down"))
    at = start(new_app())
    assert "rate limited (HTTP 429)" in shown(at.error[0].value)
    assert at.button(key="retry") is not None


def test_test_connection_reports_success_and_the_exact_failure(scripted: FakeOpenAI, data_dir: Path) -> None:
    at = ok(new_app().run())
    assert at.text_input(key="cfg_model").value == "openai/scripted"
    ok(button(at, "Test connection").click().run())
    assert shown(at.success[0].value).startswith(f"Connected to openai/scripted at {scripted.base_url}")

    at.text_input(key="cfg_base").set_value(f"http://127.0.0.1:{closed_port()}/v1")
    ok(button(at, "Test connection").click().run())
    assert not at.success
    assert shown(at.error[0].value).startswith("Connection failed: Could not reach the model server")


def test_api_key_is_used_but_never_stored_or_put_in_the_url(scripted: FakeOpenAI, data_dir: Path) -> None:
    secret = "sk-test-Zq9SECRETvalue"
    at = ok(new_app().run())
    at.text_input(key="cfg_key").set_value(secret)
    at.text_input(key="cfg_grader").set_value("openai/judge")
    start(at)
    ok(at.chat_input(key="chat").set_value("An answer").run())
    headers = [{k.lower(): v for k, v in r.headers.items()} for r in scripted.chat_requests]
    assert len(headers) == 2 and all(h.get("authorization") == f"Bearer {secret}" for h in headers)
    assert secret not in str(dict(at.query_params))
    session = only_session(data_dir)
    assert session.grader_model == "openai/judge"
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def chart_series(chart) -> set[str]:  # type: ignore[no-untyped-def]
    import pyarrow as pa

    table = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all()
    return set(table.column("series").to_pylist())


def test_history_pages_through_sessions(data_dir: Path, fw: Framework) -> None:
    from interviewer.web.history_page import PAGE_SIZE

    store = Store(data_dir)
    made = []
    for _ in range(PAGE_SIZE + 3):
        session = Session(problem=fw.problem("ticket-triage"))
        store.save(session)
        made.append(session.id)
    newest_first = [s.id for s in store.list_sessions(limit=PAGE_SIZE + 3)]
    assert sorted(newest_first) == sorted(made)

    at = ok(new_app(view="history").run())
    assert list(at.dataframe[0].value["id"]) == newest_first[:PAGE_SIZE]
    assert f"Sessions 1–{PAGE_SIZE} of {PAGE_SIZE + 3}" in [c.value for c in at.caption]
    assert at.button(key="history_newer").disabled and not at.button(key="history_older").disabled
    ok(at.button(key="history_older").click().run())
    assert list(at.dataframe[0].value["id"]) == newest_first[PAGE_SIZE:]
    assert at.button(key="history_older").disabled
    ok(at.button(key="history_newer").click().run())
    assert list(at.dataframe[0].value["id"]) == newest_first[:PAGE_SIZE]


def read_every_report(*args: object, **kwargs: object) -> None:
    raise AssertionError("the page read every report")


def test_history_charts_the_score_trend_once_graded(
    data_dir: Path, fw: Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(data_dir)
    session = Session(problem=fw.problem("email-composer"))
    it = Interviewer(fw, session, store=store)
    it.open().consume()
    it.answer("Users are 100M; p99 latency 100 ms; we track acceptance rate.").consume()
    it.end()
    from interviewer.grader import grade_session

    result = grade_session(fw, store.load(session.id), None)
    # An offline coverage check has no score: dress it as a model grade for the chart.
    steps = [s.model_copy(update={"status": "graded", "score": 3.0, "coverage": None}) for s in result.steps]
    result = result.model_copy(update={"offline": False, "steps": steps, "overall_score": 3.0, "coverage": None})
    store.save_report(session.id, result.model_dump(mode="json"), result.overall_score)

    # The default overall line comes from the score column: no report is read.
    with monkeypatch.context() as m:
        m.setattr(Store, "list_reports", read_every_report)
        at = ok(new_app(view="history").run())
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    layers = spec["layer"]
    # One overall line by default, on a date-time axis Vega labels by itself
    # (a fixed "%b %d" made every tick of a day read the same).
    assert [layer["mark"]["type"] for layer in layers] == ["line", "point"]
    x = layers[0]["encoding"]["x"]
    assert x["type"] == "temporal" and "format" not in x.get("axis", {})
    assert chart_series(charts[0]) == {"Overall"}
    at.toggle(key="history_steps").set_value(True)
    ok(at.run())
    steps = chart_series(at.get("vega_lite_chart")[0])
    assert steps and steps <= {f"Step {n}" for n in range(1, 8)}
    assert not [c for c in at.caption if "No graded interviews yet" in c.value]


def test_end_leads_to_model_grading_with_progress_and_downloads(scripted: FakeOpenAI, data_dir: Path) -> None:
    scripted.responder = grader_json
    scripted.script("Welcome. Who uses it?")
    at = ok(new_app().run())
    at.text_input(key="cfg_grader").set_value("openai/judge")
    start(at)
    ok(at.chat_input(key="chat").set_value("300M users; p99 under 100 ms; we track acceptance rate.").run())
    ok(at.button(key="ctl_end").click().run())
    ok(at.button(key="ctl_end_yes").click().run())

    session = only_session(data_dir)
    assert session.ended and session.grader_model == "openai/judge"
    assert not at.status  # the progress box is cleared once graded
    grader_calls = [r for r in scripted.chat_requests if r.body.get("response_format")]
    assert grader_calls and {r.body["model"] for r in grader_calls} == {"judge"}

    stored = Store(data_dir).latest_report(session.id)
    assert stored is not None and stored.data["grader"] == "openai/judge"
    assert next(m for m in at.metric if m.label == "Verdict").value == stored.data["verdict"]
    assert [d.label for d in at.get("download_button")] == ["Markdown", "HTML", "JSON", "PDF"]

    # Coming back shows the saved report without grading again.
    calls = len(scripted.chat_requests)
    again = ok(new_app(session=session.id).run())
    assert not again.status and len(scripted.chat_requests) == calls
    assert next(m for m in again.metric if m.label == "Overall score").value == f"{stored.overall_score:.1f} / 5"


def test_settings_and_key_from_st_secrets(
    fake_llm: FakeOpenAI, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVIEWER_RETRIES", "0")
    secret = "sk-from-secrets-77Q"
    at = new_app()
    at.secrets["INTERVIEWER_MODEL"] = "openai/scripted"
    at.secrets["INTERVIEWER_API_BASE"] = fake_llm.base_url
    at.secrets["INTERVIEWER_API_KEY"] = secret
    ok(at.run())
    assert at.text_input(key="cfg_model").value == "openai/scripted"
    # The key is used but never copied into a widget (which would send it to the browser).
    assert at.text_input(key="cfg_key").value == ""
    assert any("INTERVIEWER_API_KEY" in c.value for c in at.sidebar.caption)
    fake_llm.script("Hello from the scripted model.")
    ok(at.button(key="start_button").click().run())
    assert chats(at)[0][1].endswith("Hello from the scripted model.")
    auth = {k.lower(): v for k, v in fake_llm.chat_requests[0].headers.items()}["authorization"]
    assert auth == f"Bearer {secret}"


def test_bad_model_setting_in_env_is_shown_not_raised(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("INTERVIEWER_MODEL", "openai/scripted")
    monkeypatch.setenv("INTERVIEWER_TIMEOUT", "soon")
    at = new_app()
    ok(at.run())
    # The start page renders the settings first, so the problem shows at once.
    assert any("INTERVIEWER_TIMEOUT" in shown(e.value) for e in at.error)
    assert not Store(data_dir).list_sessions()
