"""What one run of the interview page does: which action to run, whether a reply is owed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..agent import Interviewer, Reply, clean_message
from ..session import Session

Action = Literal["answer", "hint", "next", "retry", "end"]


@dataclass(frozen=True)
class Pending:
    """An action the candidate asked for (set by a widget callback, run once)."""

    session_id: str
    action: Action
    text: str = ""


Decision = Literal["answer", "hint", "next", "retry", "end", "owed", "error", "idle", "ended"]


def owes_reply(session: Session) -> bool:
    """The interviewer has not spoken since the candidate did (or at all)."""
    return not session.ended and (not session.turns or session.awaiting_reply())


def decide(session: Session, pending: Pending | None, error: str | None) -> Decision:
    """What this run of the interview page does.

    A pending candidate action wins; a reply still owed (a new interview, a
    refresh mid-stream, a server restart) is produced automatically unless the
    last attempt failed, in which case the error and a retry button show
    instead, so a broken model is not called on every rerun.
    """
    if session.ended:
        return "ended"
    if pending is not None and pending.session_id == session.id:
        if pending.action == "end":
            return "end"
        if pending.action == "retry":
            return "retry" if owes_reply(session) else "idle"
        if owes_reply(session):
            # The interviewer still owes a reply: new input would be refused.
            return "error" if error else "owed"
        return pending.action
    if owes_reply(session):
        return "error" if error else "owed"
    return "idle"


def live_error(session: Session, error: str | None) -> str | None:
    """A remembered model error, while it still matters (the reply is still
    owed); once another tab or a retry produced the reply, it is stale."""
    return error if error and owes_reply(session) else None


def held_text(decision: Decision, pending: Pending | None) -> str | None:
    """Text the candidate submitted that this run does not send (a reply was
    still owed): shown back so it can be copied, never silently dropped."""
    if pending is None or pending.action != "answer" or not pending.text.strip():
        return None
    return None if decision == "answer" else pending.text


def candidate_message(text: str | None) -> str | None:
    """None for blank input (ignored); raises InputError past the limit."""
    if not (text or "").strip():
        return None
    return clean_message(text)


def start_reply(interviewer: Interviewer, decision: Decision, text: str = "") -> Reply | None:
    """Save the candidate's turn (if any) and return the reply to stream.
    Raises agent.InputError for a refused message (nothing saved)."""
    if decision == "answer":
        message = candidate_message(text)
        return None if message is None else interviewer.answer(message)
    if decision == "hint":
        return interviewer.hint()
    if decision == "next":
        return interviewer.next_step()
    if decision in ("owed", "retry"):
        return interviewer.retry() if interviewer.session.turns else interviewer.open()
    return None


def input_placeholder(decision: Decision, error: str | None) -> str:
    if decision == "ended":
        return "This interview has ended."
    if error:
        return "Retry the interviewer's reply first (button above)."
    return "Your answer (Markdown; a ```mermaid block draws a diagram)"
