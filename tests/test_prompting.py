"""Prompt templates and the bounded conversation context."""

from __future__ import annotations

import itertools

import pytest
from helpers import new_session, turn

from interviewer.framework import ContentError
from interviewer.prompting import MIN_RECENT_TURNS, chat_messages, render, split_context
from interviewer.tokens import count_message_tokens, count_tokens

LONG_ANSWER = (
    "For serving I'd run a distilled 1B decoder on GPUs with continuous batching, "
    "a KV cache per session, speculative decoding, and a Redis cache for repeated prefixes. "
) * 6


def _interview(n_turns: int) -> list:
    return [
        turn("candidate" if i % 2 else "interviewer", f"turn {i}: " + LONG_ANSWER, 1 + min(i // 10, 6), i * 0.5)
        for i in range(n_turns)
    ]


def test_short_interview_is_sent_verbatim() -> None:
    turns = _interview(4)
    summary, recent = split_context(turns)
    assert summary == "" and recent == turns


def test_long_interview_prompt_stays_bounded() -> None:
    sizes = {}
    for n in (10, 30, 60):
        summary, recent = split_context(_interview(n), recent_budget=1200, summary_budget=500)
        assert count_tokens(summary) <= 500 + 20
        assert sum(count_tokens(t.text) for t in recent) <= 1200 + count_tokens(LONG_ANSWER) + 20
        sizes[n] = count_message_tokens(chat_messages("system", summary, recent, "directive"))
    # Growth from 30 to 60 turns is bounded, not linear in the transcript.
    assert sizes[60] < sizes[30] * 1.2
    full = sum(count_tokens(t.text) for t in _interview(60))
    assert sizes[60] < full / 3


def test_summary_keeps_the_newest_older_turns_and_marks_omissions() -> None:
    summary, recent = split_context(_interview(60), recent_budget=600, summary_budget=300)
    assert "earlier turns omitted" in summary
    assert summary.strip().splitlines()[-1].startswith("[step")
    assert len(recent) >= MIN_RECENT_TURNS
    assert recent[-1].text.startswith("turn 59")


def test_messages_alternate_and_start_with_user() -> None:
    turns = [turn("interviewer", "Q1", 1), turn("candidate", "A1", 1), turn("candidate", "A1b", 1)]
    msgs = chat_messages("SYS", "", turns, "DIRECTIVE")
    roles = [m["role"] for m in msgs]
    assert roles[0] == "system" and roles[1] == "user"
    assert all(a != b for a, b in itertools.pairwise(roles[1:]))
    assert msgs[-1]["role"] == "user" and msgs[-1]["content"].endswith("DIRECTIVE")
    assert "A1\n\nA1b" in msgs[-1]["content"]


def test_system_prompt_renders_step_and_time(fw) -> None:
    s = new_session(fw)
    from interviewer.agent import Interviewer
    from interviewer.planner import plan_turn

    it = Interviewer(fw, s)
    msgs = it.build_messages(plan_turn(fw, s, "open"))
    system = msgs[0]["content"]
    assert "Step 1 of 7 — Clarify requirements and constraints" in system
    assert s.problem.opening_prompt in system
    # Hidden details are not in the prompt until the candidate asks.
    assert s.problem.hidden.cost_ceiling not in system
    assert "{{" not in system and "{%" not in system


def test_missing_template_is_a_content_error(tmp_path) -> None:
    (tmp_path / "prompts").mkdir()
    with pytest.raises(ContentError, match="template not found"):
        render("nope.md", tmp_path)
