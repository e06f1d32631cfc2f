"""``python -m interviewer calibrate``: the shipped labelled set, its loader, the
metrics, offline (the bar CI holds the coverage check to) and through the fake
server with a scripted grader reply set."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from calibration_grader import respond
from fakeserver import FakeOpenAI

from interviewer.calibrate import QUICK, Graded, compute_metrics, run_calibration, spearman, summary_rows
from interviewer.calibration_set import calibration_dir, load_set
from interviewer.cli import main
from interviewer.errors import ContentError
from interviewer.framework import Framework
from interviewer.settings import ModelSettings


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# --- the shipped set --------------------------------------------------------------------------


def test_the_shipped_set_is_complete_and_labelled() -> None:
    entries = load_set()
    assert len(entries) >= 18
    problems = {e.problem for e in entries}
    assert len(problems) >= 4 and "email-composer" in problems
    for problem in problems:
        labels = {e.label for e in entries if e.problem == problem and e.kind == "honest"}
        assert labels == {"strong", "mid", "weak"}, problem
    tags = {t for e in entries for t in e.tags}
    assert {"keyword-filler", "keyword-list", "terse", "off-topic", "injection", "quotes-attacks"} <= tags
    assert all(e.reason for e in entries)
    assert sum(e.injection for e in entries) >= 5
    assert all(e.file in {x.file for x in entries} for e in entries) and set(QUICK) <= {e.file for e in entries}


def _copy_set(tmp_path: Path) -> Path:
    folder = tmp_path / "calibration"
    shutil.copytree(calibration_dir(), folder)
    return folder


def test_loader_names_the_file_and_field(tmp_path: Path) -> None:
    folder = _copy_set(tmp_path)
    (folder / "stray.txt").write_text("Problem: email-composer\nCandidate: hi\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"not listed in any set-\*\.yaml: stray\.txt"):
        load_set(folder)
    (folder / "stray.txt").unlink()

    extra = folder / "set-z.yaml"
    extra.write_text(
        "transcripts:\n  - {file: email-composer--strong.txt, problem: email-composer, level: senior,"
        " label: strong, kind: honest, reason: again}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"set-z\.yaml: field 'transcripts\.0\.file': .* also listed in set-a\.yaml"):
        load_set(folder)
    extra.write_text(
        "transcripts:\n  - {file: missing.txt, problem: email-composer, level: senior,"
        " label: strong, kind: honest, reason: r}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"missing\.txt does not exist"):
        load_set(folder)
    extra.write_text("transcripts:\n  - {file: x.txt, label: great}\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"set-z\.yaml: field 'transcripts\.0"):
        load_set(folder)


# --- metrics (pure) ------------------------------------------------------------------------------


def test_spearman() -> None:
    assert spearman([1, 2, 3], [10, 20, 30]) == 1.0
    assert spearman([1, 2, 3], [3, 2, 1]) == -1.0
    assert spearman([1, 1, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.949, abs=0.001)  # average ranks for ties
    assert spearman([1, 2], [5, 5]) is None


def _g(file: str, label: str, score: float, kind: str = "honest", problem: str = "p", **kw: object) -> Graded:
    return Graded(file=file, problem=problem, label=label, kind=kind, score=score, **kw)  # type: ignore[arg-type]


def test_metrics_order_adversarial_margin_and_injections() -> None:
    items = [
        _g("s", "strong", 4.0),
        _g("m", "mid", 3.0),
        _g("w", "weak", 3.0),  # a tie with the mid: counts half, and breaks the ordering
        _g(
            "a",
            "weak",
            2.5,
            kind="adversarial",
            flagged=True,
            injection=True,
            attack_passages=2,
            attack_passages_caught=1,
        ),
        _g("h", "strong", 1.0, problem="q", flagged=True),
    ]
    m = compute_metrics(items)
    assert m.pairs == 5 and m.pairwise_accuracy == pytest.approx(4.5 / 5, abs=0.001)  # w and a are both weak
    assert not m.ordering_holds and m.ordering_failures == ["m (3.00) is not above w (3.00)"]
    assert m.adversarial_below_mid and m.adversarial_margin == 0.5
    assert m.injection_precision == 0.5 and m.injection_recall == 1.0
    assert m.honest_flagged == ["h"] and (m.attack_passages_caught, m.attack_passages) == (1, 2)


# --- offline: the bar CI holds the coverage check to --------------------------------------------------


def test_calibrate_offline_holds_the_bar(data_dir: Path) -> None:
    code, out, err = run("calibrate", "--offline", "--check", "--json")
    assert code == 0, err
    data = json.loads(out)
    m = data["metrics"]
    assert data["offline"] is True and data["measure"] == "coverage (0-1)"
    assert m["transcripts"] == len(load_set()) and m["errors"] == 0
    assert m["ordering_holds"] and not m["ordering_failures"]
    assert m["adversarial_below_mid"] and m["adversarial_margin"] > 0.1
    assert m["pairwise_accuracy"] == 1.0 and m["spearman"] >= 0.85
    assert m["honest_flagged"] == [] and m["injection_precision"] == 1.0 and m["injection_recall"] == 1.0
    assert m["attack_passages_caught"] == m["attack_passages"] >= 10
    assert m["quote_verification"] == 1.0
    assert m["calls"] == 0 and m["cost_usd"] == 0
    by_file = {g["file"]: g for g in data["items"]}
    # The cases: filler and terse answers.
    assert by_file["email-composer--adv-keyword-filler.txt"]["score"] < 0.1
    assert by_file["email-composer--strong-terse.txt"]["score"] > by_file["email-composer--mid.txt"]["score"] + 0.2


def test_calibrate_table(data_dir: Path) -> None:
    code, out, err = run("calibrate", "--offline", "--quick")
    assert code == 0, err
    assert "Calibrating the offline coverage check" in err and "[5/5]" in err
    for label in (
        "Spearman with labels",
        "Pairwise order accuracy",
        "Every adversarial below every mid",
        "Injection precision",
    ):
        assert label in out
    assert "email-composer--adv-injection-en.txt" in out and "coverage" in out


# --- through the fake server -----------------------------------------------------------------------------


def test_calibrate_through_the_fake_server(fake_llm: FakeOpenAI, data_dir: Path) -> None:
    fake_llm.responder = respond
    code, out, err = run("calibrate", "--model", "openai/scripted", "--api-base", fake_llm.base_url, "--json")
    assert code == 0, err
    data = json.loads(out)
    m = data["metrics"]
    assert data["offline"] is False and data["grader"] == "openai/scripted" and data["measure"] == "score (1-5)"
    assert m["errors"] == 0 and all(g["score"] is not None for g in data["items"])
    steps = sum(1 for r in fake_llm.chat_requests if "criteria" in r.body["response_format"]["schema"]["properties"])
    assert m["calls"] == len(fake_llm.chat_requests) == steps + m["transcripts"]  # every step, plus one summary each
    assert m["prompt_tokens"] > 0 and m["completion_tokens"] > 0 and m["seconds"] > 0
    # The grader judged exactly the attacks as attempts; design text about attacks was left alone.
    assert m["injection_precision"] == 1.0 and m["injection_recall"] == 1.0 and m["honest_flagged"] == []
    # Its invented quote is caught: verification is below 100%.
    assert 0.5 < m["quote_verification"] < 1.0
    assert m["spearman"] is not None and m["pairs"] == 40
    # This stand-in scores length and numbers, so calibration shows it is unfit to grade.
    code, _, err = run("calibrate", "--model", "openai/scripted", "--api-base", fake_llm.base_url, "--quick", "--check")
    assert code in (0, 1) and "Calibrating openai/scripted" in err


def test_run_calibration_quick_with_settings(
    fw: Framework, fake_llm: FakeOpenAI, model_settings: ModelSettings
) -> None:
    fake_llm.responder = respond
    seen: list[str] = []
    cal = run_calibration(fw, model_settings, quick=True, on_progress=lambda i, n, name: seen.append(name))
    assert seen == [e.file for e in load_set() if e.file in QUICK]
    assert cal.subset == "quick" and len(cal.items) == len(QUICK)
    rows = dict(summary_rows(cal))
    assert rows["Grader"].startswith("openai/scripted (quick set, 5 transcripts")
    assert "Harmful choices flagged" in rows
