"""The sidebar's model choice, turned into settings for an interview or a grading run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from ..offline import OFFLINE_LABEL
from ..session import Session
from ..settings import API_BASE, API_KEY, GRADER_MODEL, MODEL, OFFLINE, ModelSettings, is_offline_model, load_settings


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


def _key(choice_key: str, env: Mapping[str, str]) -> SecretStr | None:
    key = choice_key.strip() or env.get(API_KEY, "").strip()
    return SecretStr(key) if key else None


def interviewer_settings(choice: ModelChoice, env: Mapping[str, str]) -> ModelSettings:
    """Settings for a new interview: the sidebar's values over INTERVIEWER_* ones
    (timeout, retries and fallback only come from the environment)."""
    model = choice.model.strip() or OFFLINE
    settings = load_settings(env).model_settings(model, api_key=_key(choice.api_key, env))
    return settings.model_copy(update={"api_base": None if settings.offline else choice.api_base.strip() or None})


def grader_model(choice: ModelChoice) -> str:
    return choice.grader_model.strip() or choice.model.strip() or "offline"


def session_settings(session: Session, api_key: str, env: Mapping[str, str]) -> ModelSettings:
    """Settings to continue ``session``: its own model and server, today's key."""
    settings = load_settings(env).model_settings(session.model, api_key=_key(api_key, env))
    return settings.model_copy(update={"api_base": session.api_base})


def grading_settings(session: Session, api_key: str, env: Mapping[str, str]) -> ModelSettings | None:
    """The grader's settings, or None for offline grading."""
    model = session.grader_model or session.model
    if is_offline_model(model):
        return None
    return session_settings(session, api_key, env).model_copy(update={"model": model})


def describe_models(interviewer: str, grader: str, api_base: str | None = None) -> str:
    if is_offline_model(interviewer) and is_offline_model(grader):
        return f"{OFFLINE_LABEL}. Grading is offline too (rule-based, from the rubrics)."
    where = f" (server: {api_base})" if api_base else ""
    who = "offline (scripted)" if is_offline_model(interviewer) else f"`{interviewer}`"
    judge = "offline rubric grader" if is_offline_model(grader) else f"`{grader}`"
    return f"Interviewer: {who} · Grader: {judge}{where}"
