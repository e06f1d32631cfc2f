"""The offline interviewer: turns a TurnPlan into words with no model.

It asks the framework's key questions and the topic bank's follow-ups, in the
order the planner chose, using the phrasing in ``prompts/offline.yaml``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import ConfigDict, Field

from .framework import Framework, Strict, load_model
from .markdown_safe import readable_plain
from .planner import DETAIL_LABELS, TurnPlan
from .session import Session

OFFLINE_LABEL = "Offline mode — scripted interviewer, no model is called"


class WrapUp(Strict):
    covered: str
    assessed: str
    time: str
    candidate: str


class OfflineScript(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True)

    acknowledgements: list[str] = Field(min_length=1)
    opening: str
    reveal: str
    wrap_up: WrapUp
    probes: list[str] = Field(min_length=1)
    followup_intro: list[str] = Field(min_length=1)
    hint: str
    hint_none: str
    closing: str


@lru_cache(maxsize=4)
def script(root: Path) -> OfflineScript:
    return load_model(root / "prompts" / "offline.yaml", OfflineScript)


def _pick(options: list[str], n: int) -> str:
    return options[n % len(options)]


def reply(fw: Framework, session: Session, plan: TurnPlan) -> str:
    s = script(fw.root)
    step = fw.step(plan.step)
    parts: list[str] = []
    n = len(session.turns)

    if plan.action == "open":
        problem = session.problem
        # A candidate's own problem is the text they typed, not Markdown: a link
        # or image in it reads as text and is never fetched (the bank's is ours).
        # Escaped only where that matters, so the CLI and exports read it cleanly.
        statement = readable_plain(problem.opening_prompt) if problem.source == "custom" else problem.opening_prompt
        return "\n\n".join([f"**{plan.banner}**", statement, s.opening])

    # Every detail the candidate asked for, in the order of their questions.
    for field in plan.reveal:
        detail = getattr(session.problem.hidden, field)
        parts.append(s.reveal.format(label=DETAIL_LABELS[field].lower(), detail=detail))

    if plan.closing:
        parts.append(s.closing)
        return "\n\n".join(parts)

    if plan.transition:
        reason = plan.decision.reason if plan.decision else "covered"
        wrap = getattr(s.wrap_up, reason, s.wrap_up.covered)
        parts.extend([wrap, f"**{plan.banner}**", _q(plan) or step.goal])
        return "\n\n".join(parts)

    probe = step.guide.probe[len(session.turns_in_step(plan.step)) % len(step.guide.probe)]
    if plan.kind == "hint":
        if plan.key_question is not None:
            parts.append(s.hint.format(open_question=plan.key_question.question, probe=probe))
        else:
            parts.append(s.hint_none.format(probe=probe))
        return "\n\n".join(parts)

    if plan.kind == "probe":
        if plan.probe:
            parts.append(_pick(s.probes, n).format(fragment=plan.probe))
        else:
            parts.append(f"Go one level deeper: {probe}?")
        return "\n\n".join(parts)

    ack = _pick(s.acknowledgements, n)
    body = f"{_pick(s.followup_intro, n)} {plan.topic.question}" if plan.topic is not None else _q(plan)
    if parts:
        # A revealed detail already acknowledges the question; no filler on top.
        parts.append(body)
    else:
        parts.append(f"{ack} {body}".strip())
    return "\n\n".join(parts)


def _q(plan: TurnPlan) -> str:
    return plan.key_question.question if plan.key_question else ""
