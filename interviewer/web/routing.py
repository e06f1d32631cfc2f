"""Which page the URL asks for, and the URL that leads back to a page (never a secret)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from ..markdown_safe import plain

Page = Literal["start", "interview", "report", "history"]

SESSION_PARAM = "session"

VIEW_PARAM = "view"

# Session ids are short hex (session.new_id); anything else in the link is
# not echoed back, so a crafted link cannot put its own words or a clickable
# URL into the app's notice.
_ID_SHAPED = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Route:
    page: Page
    session_id: str | None = None
    # Shown on the start page when the URL named something we cannot open.
    notice: str | None = None


def _param(params: Mapping[str, str | list[str]], name: str) -> str:
    value = params.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value.strip()


def route(
    params: Mapping[str, str | list[str]],
    exists: Callable[[str], bool],
    ended: Callable[[str], bool],
) -> Route:
    """Which page the URL asks for. ``?session=ID`` resumes an interview (or
    shows its report once it has ended); ``?view=history`` lists sessions."""
    view = _param(params, VIEW_PARAM)
    session_id = _param(params, SESSION_PARAM)
    if view == "history":
        return Route("history")
    if session_id:
        if not exists(session_id):
            named = (
                f" has the id {plain(repr(session_id))}" if _ID_SHAPED.fullmatch(session_id) else " matches this link"
            )
            return Route("start", notice=f"No saved interview{named}; start a new one below.")
        if view == "report" or ended(session_id):
            return Route("report", session_id)
        return Route("interview", session_id)
    return Route("start")


def params_for(page: Page, session_id: str | None = None) -> dict[str, str]:
    """The query parameters that lead back to ``page`` (never a secret)."""
    if page == "history":
        return {VIEW_PARAM: "history"}
    if page in ("interview", "report") and session_id:
        params = {SESSION_PARAM: session_id}
        if page == "report":
            params[VIEW_PARAM] = "report"
        return params
    return {}
