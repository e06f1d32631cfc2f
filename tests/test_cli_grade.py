"""``python -m interviewer grade`` and ``export``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from fakeserver import FakeOpenAI
from grading_support import (
    FIXTURES,
    SUMMARY_JSON,
    candidate_sentences,
    fixture_session,
    fixture_text,
    grade_json,
    step_of,
)
from helpers import run_interviewer

from interviewer.cli import main
from interviewer.framework import Framework
from interviewer.results import load_report
from interviewer.store import Store

ROOT = Path(__file__).resolve().parent.parent
STRONG = str(FIXTURES / "email-composer-strong.txt")


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_grade_transcript_to_json(data_dir: Path) -> None:
    code, out, err = run("grade", STRONG, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["overall_score"] is None and data["verdict"] is None
    assert 0.5 <= data["coverage"] <= 1
    assert [(s["step"], bool(s["title"])) for s in data["steps"]] == [(n, True) for n in range(1, 8)]
    assert all(0 <= s["coverage"] <= 1 and s["score"] is None for s in data["steps"])
    assert data["offline"] is True
    assert "Checking rubric coverage offline" in err and "step 7: offline" in err


def test_grade_markdown_by_default_and_level_override(data_dir: Path) -> None:
    code, out, _ = run("grade", STRONG, "--level", "staff")
    assert code == 0
    assert out.startswith("# Interview feedback: Smart email composer")
    assert "| Level | staff |" in out


def test_output_file_sets_the_format(tmp_path: Path, data_dir: Path) -> None:
    for name, check in (
        ("r.html", lambda b: b.startswith(b"<!DOCTYPE html>")),
        ("r.pdf", lambda b: b.startswith(b"%PDF-")),
        ("r.json", lambda b: json.loads(b)["kind"] == "interviewer-report"),
    ):
        code, out, err = run("grade", STRONG, "-o", str(tmp_path / name))
        assert code == 0, err
        assert out == ""
        assert check((tmp_path / name).read_bytes())
        assert "Report written to" in err


def test_pdf_to_the_terminal_is_refused(data_dir: Path) -> None:
    code, out, err = run("grade", STRONG, "--format", "pdf")
    assert code == 2 and out == ""
    assert "PDF is binary" in err and "-o" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"Problem: email-composer\nInterviewer: Hello?\n", "no candidate turns"),
        (b"\xff\xfe\x00P\x00r\x00o", "not UTF-8"),
        (b"Dear team, please find my notes attached.\n", "not a transcript"),
        (b'{"hello": "world"}', "not a session export"),
        (b'{"problem": 1, "turns": []}', "not a valid session export"),
        (b"{broken json", "invalid JSON"),
    ],
)
def test_bad_files_exit_2_with_a_message(tmp_path: Path, data_dir: Path, content: bytes, message: str) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    code, out, err = run("grade", str(path))
    assert code == 2
    assert message in err
    assert "Traceback" not in err and out == ""


def test_unknown_source(data_dir: Path) -> None:
    code, _, err = run("grade", "abc123")
    assert code == 2 and "No file or stored session 'abc123'" in err
    code, _, err = run("grade", "missing/file.txt")
    assert code == 2 and "No such file" in err


def test_samples_must_be_in_range(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run("grade", STRONG, "--samples", "0")
    assert exc.value.code == 2
    assert "samples must be between 1 and 5" in capsys.readouterr().err


def test_stdin_transcript(data_dir: Path) -> None:
    code, out, _ = run("grade", "-", "--format", "json", stdin=fixture_text("weak"))
    assert code == 0 and json.loads(out)["coverage"] < 0.1


def test_stored_session_is_graded_saved_and_exported(fw: Framework, data_dir: Path, tmp_path: Path) -> None:
    session = fixture_session(fw, "strong")
    store = Store(data_dir)
    store.save(session)
    code, _, err = run("export", session.id)
    assert code == 2 and "has no report yet" in err and f"grade {session.id}" in err

    code, out, err = run("grade", session.id, "--format", "json")
    assert code == 0, err
    assert f"Saved the report with session {session.id}." in err and "report 1" not in err
    stored = store.latest_report(session.id)
    assert stored is not None and stored.overall_score == json.loads(out)["overall_score"]
    assert store.list_sessions()[0].overall_score == stored.overall_score

    code, out, _ = run("export", session.id, "--format", "html")
    assert code == 0 and out.startswith("<!DOCTYPE html>")
    code, _, _ = run("export", session.id, "-o", str(tmp_path / "r.pdf"))
    assert code == 0 and (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")

    # A report JSON file re-imports and re-renders without the store.
    (tmp_path / "r.json").write_text(json.dumps(stored.data), encoding="utf-8")
    code, out, _ = run("export", str(tmp_path / "r.json"), "--format", "md")
    assert code == 0 and out.startswith("# Interview feedback")
    code, _, err = run("grade", str(tmp_path / "r.json"))
    assert code == 2 and "is a report, not a session" in err


def test_session_json_export_is_graded(fw: Framework, tmp_path: Path, data_dir: Path) -> None:
    session = fixture_session(fw, "weak")
    path = tmp_path / "session.json"
    path.write_text(session.model_dump_json(), encoding="utf-8")
    code, out, err = run("grade", str(path), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["session_id"] == session.id
    assert not Store(data_dir).list_reports()  # files are not imported into the store


def test_grader_model_from_the_environment(
    fw: Framework, fake_llm: FakeOpenAI, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = fixture_session(fw, "strong")

    def respond(body: dict[str, Any]) -> str:
        step = step_of(body)
        return SUMMARY_JSON if step is None else grade_json(fw, step, 4, candidate_sentences(session, step)[:1])

    fake_llm.responder = respond
    secret = "sk-cli-secret-31337"
    monkeypatch.setenv("INTERVIEWER_GRADER_MODEL", "openai/scripted")
    monkeypatch.setenv("INTERVIEWER_API_BASE", fake_llm.base_url)
    monkeypatch.setenv("INTERVIEWER_API_KEY", secret)
    code, out, err = run("grade", STRONG, "--format", "json")
    assert code == 0, err
    report = load_report(out)
    assert report.offline is False and report.grader == "openai/scripted"
    assert all(s.status == "graded" for s in report.steps)
    assert report.overall_score == pytest.approx(4.0)
    assert len(fake_llm.chat_requests) == 8
    assert secret not in out and secret not in err
    # --offline wins over the environment.
    code, out, _ = run("grade", STRONG, "--offline", "--format", "json")
    assert code == 0 and json.loads(out)["offline"] is True
    assert len(fake_llm.chat_requests) == 8


def test_all_steps_failing_is_an_error_but_still_reports(fake_llm: FakeOpenAI, data_dir: Path) -> None:
    fake_llm.responder = lambda body: "not json at all"
    code, out, err = run(
        "grade", STRONG, "--model", "openai/scripted", "--api-base", fake_llm.base_url, "--format", "json"
    )
    assert code == 1
    assert "no step could be graded" in err
    assert all(s["status"] == "not graded" for s in json.loads(out)["steps"])


def test_module_entry_point(tmp_path: Path) -> None:
    """The real command line: exit codes and no traceback for a user error."""
    env = {"PATH": "/usr/bin:/bin", "INTERVIEWER_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)}
    ok = run_interviewer(["grade", STRONG, "--format", "json"], env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["steps"][0]["step"] == 1
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    bad = run_interviewer(["grade", str(empty)], env)
    assert bad.returncode == 2
    assert "empty" in bad.stderr and "Traceback" not in bad.stderr
