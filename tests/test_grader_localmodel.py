"""Grading through a real llama.cpp server (Gemma 3 270M): structure, not judgement.

The server enforces the StepGrade JSON schema as a grammar (``response_format``
``{"type": "json_object", "schema": ...}``), so even a tiny model returns a
reply that validates. One step, small max_tokens: well under a minute on 2 cores.
"""

from __future__ import annotations

import pytest
from grading_support import fixture_session

from interviewer.framework import Framework
from interviewer.grader_model import StepGrade, combine, grade_step_once, step_grade_schema
from interviewer.llm import ModelSettings, Usage, response_format_for
from interviewer.scoring import step_material

pytestmark = pytest.mark.localmodel


def test_real_model_returns_a_schema_valid_step_grade(fw: Framework, llama_server: str) -> None:
    settings = ModelSettings(
        model="openai/gemma3-270m",
        api_base=llama_server,
        backoff=0,
        max_retries=0,
        timeout=120,
        temperature=0.0,
        max_tokens=500,
    )
    rubric = fw.rubrics[4]  # four criteria: the shortest reply
    assert response_format_for(settings, step_grade_schema(rubric), "x") == {
        "type": "json_object",
        "schema": step_grade_schema(rubric),
    }
    session = fixture_session(fw, "weak")
    material = step_material(session, 4)
    usage = Usage()

    grade = grade_step_once(fw, session, material, settings, usage)

    assert isinstance(grade, StepGrade)
    assert list(grade.criteria) == [c.id for c in rubric.criteria]
    assert all(1 <= g.score <= 5 for g in grade.criteria.values())
    assert {f.id for f in grade.red_flags} <= {f.id for f in rubric.red_flags}
    assert usage.calls >= 1 and usage.completion_tokens > 0

    result = combine(fw, session, material, [grade], [])
    assert result.status == "graded" and result.score is not None and 1 <= result.score <= 5
    said = " ".join(" ".join(t.text.split()) for t in material.turns if t.role == "candidate").casefold()
    for c in result.criteria:
        assert c.score is not None and 1 <= c.score <= 5
        for quote in c.evidence:  # whatever survived verification is really in the transcript
            assert " ".join(quote.split()).casefold().strip("\"'“”") in said
