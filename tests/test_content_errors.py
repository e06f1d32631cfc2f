"""A broken content file fails loudly and clearly.

Each row copies the real ``prompts/`` and ``rubrics/`` trees into a temporary
root, breaks one file the way a content author might, and checks that loading
raises ContentError naming the file, the field and the problem; then that the
CLI turns the same error into one line on stderr and exit code 2.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import run_interviewer

from interviewer.framework import ContentError, framework, load_framework

ROOT = Path(__file__).resolve().parent.parent

Breaker = Callable[[Path], None]


def _text(rel: str, new: str | bytes) -> Breaker:
    def brk(root: Path) -> None:
        path = root / rel
        if isinstance(new, bytes):
            path.write_bytes(new)
        else:
            path.write_text(new, encoding="utf-8")

    return brk


def _edit(rel: str, change: Callable[[Any], None]) -> Breaker:
    """Load the YAML file, change the data in place, write it back."""

    def brk(root: Path) -> None:
        path = root / rel
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    return brk


def _copy(src: str, dst: str) -> Breaker:
    def brk(root: Path) -> None:
        shutil.copy(root / src, root / dst)

    return brk


def _set(path: list[Any], value: Any) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return change


def _delete(path: list[Any]) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]

    return change


def _dup_topic(data: Any) -> None:
    data["topics"][5]["id"] = data["topics"][2]["id"]


def _two_criteria(data: Any) -> None:
    data["criteria"] = data["criteria"][:2]


def _swap_steps(data: Any) -> None:
    data["steps"][1], data["steps"][2] = data["steps"][2], data["steps"][1]


def _invalid_yaml(root: Path) -> None:
    path = root / "prompts" / "topics.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - id: [unclosed\n", encoding="utf-8")


TOPICS = "prompts/topics.yaml"
STEPS = "prompts/steps.yaml"
EMAIL = "prompts/problems/email-composer.yaml"

# (case id, breaker, file that must be named, fragments the message must contain)
CASES: list[tuple[str, Breaker, str, list[str]]] = [
    ("invalid-yaml", _invalid_yaml, TOPICS, ["invalid YAML", "line"]),
    ("empty-file", _text("rubrics/step-3.yaml", ""), "rubrics/step-3.yaml", ["file is empty"]),
    ("whitespace-only", _text("prompts/levels.yaml", "\n  \n# nothing\n"), "prompts/levels.yaml", ["file is empty"]),
    ("list-not-mapping", _text("prompts/levels.yaml", "- mid\n- senior\n"), "prompts/levels.yaml", ["mapping", "list"]),
    (
        "unknown-field",
        _edit(EMAIL, _set(["difficulty"], "hard")),
        EMAIL,
        ["field 'difficulty'", "Extra inputs are not permitted"],
    ),
    (
        "unknown-nested-field",
        _edit("rubrics/step-4.yaml", _set(["criteria", 1, "scores", "6"], "beyond perfect")),
        "rubrics/step-4.yaml",
        ["field 'criteria.1.scores.6'", "Extra inputs"],
    ),
    (
        "missing-required-field",
        _edit(EMAIL, _delete(["opening_prompt"])),
        EMAIL,
        ["field 'opening_prompt'", "Field required"],
    ),
    (
        "missing-hidden-detail",
        _edit("prompts/problems/code-completion.yaml", _delete(["hidden", "cost_ceiling"])),
        "prompts/problems/code-completion.yaml",
        ["field 'hidden.cost_ceiling'", "Field required"],
    ),
    (
        "wrong-type",
        _edit("rubrics/step-2.yaml", _set(["criteria", 0, "weight"], "heavy")),
        "rubrics/step-2.yaml",
        ["field 'criteria.0.weight'", "valid number"],
    ),
    (
        "wrong-type-list",
        _edit(TOPICS, _set(["topics", 0, "points"], "just one string")),
        TOPICS,
        ["field 'topics.0.points'", "valid list"],
    ),
    (
        "step-number-out-of-range",
        _edit(STEPS, _set(["steps", 6, "number"], 8)),
        STEPS,
        ["field 'steps.6.number'", "less than or equal to 7"],
    ),
    (
        "duplicate-topic-id",
        _edit(TOPICS, _dup_topic),
        TOPICS,
        ["field 'topics.*.id'", "duplicate topic id"],
    ),
    (
        "topic-tagged-step-9",
        _edit(TOPICS, _set(["topics", 3, "steps"], [1, 9])),
        TOPICS,
        ["field 'topics.3.steps.1'", "less than or equal to 7"],
    ),
    (
        "unknown-theme",
        _edit(TOPICS, _set(["topics", 4, "theme"], "astrology")),
        TOPICS,
        ["field 'topics.4.theme'", "unknown theme 'astrology'"],
    ),
    (
        "bad-slug",
        _edit(TOPICS, _set(["topics", 1, "id"], "Not A Slug")),
        TOPICS,
        ["field 'topics.1.id'", "pattern"],
    ),
    (
        "rubric-two-criteria",
        _edit("rubrics/step-5.yaml", _two_criteria),
        "rubrics/step-5.yaml",
        ["field 'criteria'", "at least 3"],
    ),
    (
        "rubric-missing-score-3",
        _edit("rubrics/step-6.yaml", _delete(["criteria", 2, "scores", "3"])),
        "rubrics/step-6.yaml",
        ["field 'criteria.2.scores.3'", "Field required"],
    ),
    (
        "rubric-empty-score",
        _edit("rubrics/step-1.yaml", _set(["criteria", 0, "scores", "5"], "")),
        "rubrics/step-1.yaml",
        ["field 'criteria.0.scores.5'", "at least 1 character"],
    ),
    (
        "rubric-step-mismatch",
        _edit("rubrics/step-7.yaml", _set(["step"], 6)),
        "rubrics/step-7.yaml",
        ["field 'step'", "does not match the file name"],
    ),
    (
        "rubric-missing-file",
        lambda root: (root / "rubrics" / "step-4.yaml").unlink(),
        "rubrics/step-4.yaml",
        ["file not found"],
    ),
    (
        "problem-id-not-file-name",
        _edit(EMAIL, _set(["id"], "smart-email")),
        EMAIL,
        ["field 'id'", "'smart-email' does not match the file name 'email-composer'"],
    ),
    (
        "duplicate-problem-ids",
        _copy("prompts/problems/email-composer.yaml", "prompts/problems/email-composer-copy.yaml"),
        EMAIL,
        ["field 'id'", "duplicate problem id 'email-composer'", "email-composer-copy.yaml"],
    ),
    (
        "problem-missing-strong-answer-step",
        _edit("prompts/problems/news-summarizer.yaml", _delete(["strong_answer", 5])),
        "prompts/problems/news-summarizer.yaml",
        ["field 'strong_answer'", "missing steps [5]"],
    ),
    (
        "non-utf8",
        _text("rubrics/step-2.yaml", "step: 2\nfocus: caf\xe9\n".encode("latin-1")),
        "rubrics/step-2.yaml",
        ["not UTF-8"],
    ),
    (
        "time-share-not-one",
        _edit(STEPS, _set(["steps", 0, "guide", "time_share"], 0.5)),
        STEPS,
        ["time_share", "must add up to 1.0", "1.38"],
    ),
    (
        "steps-out-of-order",
        _edit(STEPS, _swap_steps),
        STEPS,
        ["field 'steps'", "in order", "[1, 3, 2, 4, 5, 6, 7]"],
    ),
]


def _broken_root(tmp_path: Path, breaker: Breaker) -> Path:
    root = tmp_path / "content"
    shutil.copytree(ROOT / "interviewer" / "prompts", root / "prompts")
    shutil.copytree(ROOT / "interviewer" / "rubrics", root / "rubrics")
    breaker(root)
    return root


def test_copied_tree_loads(tmp_path: Path) -> None:
    """The starting point of every row is valid: only the break makes it fail."""
    fw = load_framework(_broken_root(tmp_path, lambda root: None))
    assert len(fw.steps) == 7


@pytest.mark.parametrize(("breaker", "rel", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_file_raises_content_error(tmp_path: Path, breaker: Breaker, rel: str, fragments: list[str]) -> None:
    root = _broken_root(tmp_path, breaker)
    with pytest.raises(ContentError) as info:
        load_framework(root)
    message = str(info.value)
    assert str(root / rel) in message, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert "Traceback" not in message
    # No pydantic noise such as "Value error," or documentation links.
    assert "Value error" not in message and "errors.pydantic.dev" not in message


# A few rows through the real CLI: one line on stderr, exit code 2, no traceback.
CLI_CASES = ["invalid-yaml", "empty-file", "unknown-field", "rubric-missing-score-3", "duplicate-topic-id", "non-utf8"]


def _case(name: str) -> tuple[Breaker, str, list[str]]:
    for case in CASES:
        if case[0] == name:
            return case[1], case[2], case[3]
    raise KeyError(name)


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_reports_broken_content_in_one_line(tmp_path: Path, name: str) -> None:
    breaker, rel, fragments = _case(name)
    root = _broken_root(tmp_path, breaker)
    env = {**os.environ, "INTERVIEWER_CONTENT_DIR": str(root), "INTERVIEWER_DATA_DIR": str(tmp_path / "data")}
    result = run_interviewer(["problems"], env, timeout=60)
    assert result.returncode == 2, result
    assert result.stdout == ""
    err = result.stderr.strip()
    assert "Traceback" not in err
    assert "\n" not in err, f"expected one line, got:\n{err}"
    assert err.startswith("error: ")
    assert str(root / rel) in err
    for fragment in fragments:
        assert fragment in err


def test_cli_main_in_process_uses_env_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same through interviewer.cli.main; framework() is cached, so clear it around the call."""
    from interviewer.cli import main

    breaker, rel, _ = _case("rubric-two-criteria")
    root = _broken_root(tmp_path, breaker)
    monkeypatch.setenv("INTERVIEWER_CONTENT_DIR", str(root))
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(tmp_path / "data"))
    out, err = StringIO(), StringIO()
    framework.cache_clear()
    try:
        code = main(["topics", "--step", "2"], out=out, err=err)
    finally:
        framework.cache_clear()
    assert code == 2
    assert out.getvalue() == ""
    assert err.getvalue().count("\n") == 1
    assert str(root / rel) in err.getvalue()
    assert "field 'criteria'" in err.getvalue()
