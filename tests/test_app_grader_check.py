"""The model settings panel checks the chosen grader on the labelled set (streamlit.testing)."""

from __future__ import annotations

from pathlib import Path

from calibration_grader import respond
from fakeserver import FakeOpenAI
from streamlit.testing.v1 import AppTest

from interviewer.calibrate import QUICK

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest) -> dict[str, str]:
    frame = at.table[0].value
    return dict(zip(frame["Measure"], frame["Value"], strict=True))


def test_offline_grader_check(data_dir: Path) -> None:
    at = _app()
    check = at.button(key="grader_check_button")
    assert check.label == "Check the offline coverage check on labelled interviews"
    check.click().run()
    assert not at.exception
    assert at.success and "ordered the quick subset as labelled" in at.success[0].value
    rows = _table(at)
    assert rows["Strong > mid > weak per problem"] == "yes"
    assert rows["Grader"].startswith(f"offline (quick set, {len(QUICK)} transcripts")
    assert rows["Model calls"] == "0"


def test_model_grader_check_through_the_fake_server(fake_llm: FakeOpenAI, data_dir: Path) -> None:
    fake_llm.responder = respond
    at = _app()
    at.text_input(key="cfg_grader").set_value("openai/scripted")
    at.text_input(key="cfg_base").set_value(fake_llm.base_url)
    at.run()
    at.button(key="grader_check_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert {r.body["model"] for r in fake_llm.chat_requests} == {"scripted"}
    rows = _table(at)
    assert rows["Grader"].startswith("openai/scripted (quick set")
    assert int(rows["Model calls"]) == len(fake_llm.chat_requests) > 0
    verdict = (at.success or at.warning)[0].value
    assert verdict.startswith("openai/scripted ")
