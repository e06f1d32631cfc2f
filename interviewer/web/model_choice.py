"""The sidebar's model choice, turned into settings for an interview or a grading run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..offline import OFFLINE_LABEL
from ..routes import configured_routes, find_route, route_settings
from ..session import Session
from ..settings import (
    API_BASE,
    GRADER_MODEL,
    MODEL,
    OFFLINE,
    ModelSettings,
    grader_model_for,
    is_offline_model,
    load_settings,
)


@dataclass(frozen=True)
class ModelChoice:
    """What the sidebar holds. Empty strings mean "not set"."""

    model: str = ""
    grader_model: str = ""
    api_base: str = ""
    api_key: str = ""


def default_choice(env: Mapping[str, str]) -> ModelChoice:
    """Sidebar defaults from INTERVIEWER_* settings. The key is never copied
    into a widget (that would send it to the browser)."""
    model = env.get(MODEL, "").strip()
    return ModelChoice(
        model="" if is_offline_model(model) else model,
        grader_model=env.get(GRADER_MODEL, "").strip(),
        api_base=env.get(API_BASE, "").strip(),
    )


def _settings(model: str, api_base: str | None, typed_key: str, env: Mapping[str, str]) -> ModelSettings:
    # The one place the app turns a (model, server, typed key) into a call path:
    # the operator's keys only ever go with the operator's routes (routes.py).
    return route_settings(load_settings(env), model, api_base, typed_key, env, where="Model settings")


def offline_settings(env: Mapping[str, str]) -> ModelSettings:
    return load_settings(env).model_settings(OFFLINE)


def interviewer_settings(choice: ModelChoice, env: Mapping[str, str]) -> ModelSettings:
    """Settings for a new interview: the sidebar's values over INTERVIEWER_* ones
    (timeout, retries and fallback only come from the environment)."""
    model = choice.model.strip() or OFFLINE
    return _settings(model, choice.api_base, choice.api_key, env)


def grader_settings(choice: ModelChoice, env: Mapping[str, str]) -> ModelSettings | None:
    """The grader the sidebar names, as a grading run would call it (None: offline)."""
    grader = grader_model(choice)
    if is_offline_model(grader):
        return None
    return _settings(grader, choice.api_base, choice.api_key, env)


def grader_model(choice: ModelChoice) -> str:
    return choice.grader_model.strip() or choice.model.strip() or "offline"


def session_settings(session: Session, api_key: str, env: Mapping[str, str]) -> ModelSettings:
    """Settings to continue ``session``: its own model and server, today's key."""
    return _settings(session.model, session.api_base, api_key, env)


def grading_settings(session: Session, api_key: str, env: Mapping[str, str]) -> ModelSettings | None:
    """The grader's settings, or None for offline grading: the session's grader,
    else its interviewer, by the one order in :func:`settings.grader_model_for`.
    An offline session (it always has a model, "offline") is graded offline;
    the CLI's ``grade`` passes no offline session model, to use a configured one."""
    model = grader_model_for(load_settings(env), session_grader=session.grader_model, session_model=session.model)
    if is_offline_model(model):
        return None
    return _settings(model, session.api_base, api_key, env)


def describe_models(interviewer: str, grader: str, api_base: str | None = None) -> str:
    if is_offline_model(interviewer) and is_offline_model(grader):
        return f"{OFFLINE_LABEL}. Grading is offline too (rule-based, from the rubrics)."
    # In code spans: model names and URLs are typed by users, and read as typed.
    where = f" (server: `{api_base.replace('`', '')}`)" if api_base else ""
    who = "offline (scripted)" if is_offline_model(interviewer) else f"`{interviewer.replace('`', '')}`"
    judge = "offline rubric grader" if is_offline_model(grader) else f"`{grader.replace('`', '')}`"
    return f"Interviewer: {who} · Grader: {judge}{where}"


def session_choice(session: Session, env: Mapping[str, str]) -> ModelChoice:
    """What the interview page's sidebar shows: the session's own model and server
    (as a configured route's name where the operator offers only those)."""
    config = load_settings(env)
    if session.offline:
        return ModelChoice(grader_model=session.grader_model or "")
    if not config.allow_custom_models:
        routes = configured_routes(config)
        route = find_route(routes, session.model, session.api_base)
        grader = find_route(routes, session.grader_model, session.api_base) if session.grader_model else None
        return ModelChoice(model=route.name if route else "", grader_model=grader.name if grader else "")
    return ModelChoice(model=session.model, grader_model=session.grader_model or "", api_base=session.api_base or "")


def switch_settings(new: ModelChoice, env: Mapping[str, str]) -> tuple[ModelSettings, str | None]:
    """The call path for the rest of an interview and its grader, checked the
    same way as for a new one (routes.py: a server key only with its route).
    Raises SettingsError for a choice this server refuses."""
    settings = interviewer_settings(new, env)
    grader_settings(new, env)  # refused now, not at the end of the interview
    grader = new.grader_model.strip() or None
    return settings, grader
