"""Switching a running interview to another model, server or offline (pure).

The switch applies to the rest of the session and is written into it as a
:class:`Notice`, so the transcript says which model spoke when.
"""

from __future__ import annotations

from datetime import datetime

from .session import Notice, Session
from .settings import OFFLINE, is_offline_model


def notice_text(model: str, api_base: str | None) -> str:
    if is_offline_model(model):
        return "Continuing offline"
    return f"Model switched to `{model}`" + (f" (server: {api_base})" if api_base else "")


def apply_switch(
    session: Session, model: str, api_base: str | None, grader_model: str | None, now: datetime
) -> Notice | None:
    """Point ``session`` at ``model``/``api_base`` (and its grader); None if nothing changed."""
    offline = is_offline_model(model)
    model = OFFLINE if offline else model.strip()
    base = None if offline else ((api_base or "").strip() or None)
    grader = None if offline else ((grader_model or "").strip() or None)
    if grader == model:
        grader = None
    if (model, base, grader) == (session.model, session.api_base, session.grader_model):
        return None
    changed_interviewer = (model, base) != (session.model, session.api_base)
    session.model, session.api_base, session.grader_model = model, base, grader
    text = notice_text(model, base) if changed_interviewer else f"Grader switched to `{grader or model}`"
    notice = Notice(text=text, at=now, before=len(session.turns))
    session.notices.append(notice)
    return notice
