"""Which models the operator configured, and which key each one may use.

A *route* is a model at a server with the key meant for it. The operator
configures routes: ``INTERVIEWER_MODEL`` / ``_GRADER_MODEL`` /
``_FALLBACK_MODEL`` at ``INTERVIEWER_API_BASE`` with ``INTERVIEWER_API_KEY``,
and any number more in a models file (``INTERVIEWER_MODELS_FILE``) in the
shape of LiteLLM's ``model_list``::

    model_list:
      - model_name: gpt-4o-mini            # what visitors pick
        litellm_params:
          model: openai/gpt-4o-mini        # what litellm is called with
          api_base: https://api.openai.com/v1   # optional
          api_key: os.environ/OPENAI_API_KEY    # optional: which variable holds the key

The one rule this module enforces: a key held by the server is only ever
sent with the route it was configured for. Anything else a visitor names is a
*custom* route: refused unless ``INTERVIEWER_ALLOW_CUSTOM_MODELS`` allows it,
and then called with the visitor's own key or none (never the server's
environment, which litellm would otherwise read for ``OPENAI_API_KEY`` and
friends).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from .errors import SettingsError
from .settings import (
    API_KEY,
    MODELS_FILE,
    ModelSettings,
    Settings,
    check_api_base,
    is_offline_model,
)

ENV_KEY_PREFIX = "os.environ/"


class Route(BaseModel):
    """One configured model: the name visitors pick, how litellm reaches it, which variable holds its key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    model: str
    api_base: str | None = None
    key_env: str | None = None
    # No key variable and no server of its own: litellm may read the provider's
    # usual variable (OPENAI_API_KEY, ...), which the operator set for it.
    provider_keys: bool = False


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    api_base: str | None = None
    api_key: str | None = None

    @field_validator("api_base")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        try:
            return check_api_base(value, "api_base")
        except SettingsError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("api_key")
    @classmethod
    def _key_ref(cls, value: str | None) -> str | None:
        # A literal key in a file that may be committed or shared is refused:
        # name the variable that holds it instead.
        if value is not None and not value.startswith(ENV_KEY_PREFIX):
            raise ValueError(f"api_key must name a variable, as {ENV_KEY_PREFIX}NAME, not hold the key itself")
        return value


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_name: str = Field(min_length=1)
    litellm_params: _Params


class _ModelsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_list: list[_Entry] = Field(min_length=1)


@lru_cache(maxsize=8)
def _read_models_file(path: Path, mtime: float) -> tuple[Route, ...]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = _ModelsFile.model_validate(raw)
    except OSError as exc:
        raise SettingsError(f"{MODELS_FILE}: cannot read {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise SettingsError(f"{MODELS_FILE}: {path} is not valid YAML: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise SettingsError(f"{MODELS_FILE}: {path}: {where}: {err['msg']}") from None
    routes = []
    for entry in parsed.model_list:
        params = entry.litellm_params
        key_env = params.api_key.removeprefix(ENV_KEY_PREFIX) if params.api_key else None
        routes.append(
            Route(
                name=entry.model_name.strip(),
                model=params.model.strip(),
                api_base=params.api_base,
                key_env=key_env,
                provider_keys=key_env is None and params.api_base is None,
            )
        )
    return tuple(routes)


def configured_routes(settings: Settings) -> list[Route]:
    """Every route the operator configured: the environment's, then the models file's.

    ``INTERVIEWER_MODEL=team-default`` naming an entry of the models file means
    that entry (its server, its key variable), so a deployment can pick its
    default from the file; only other names become environment routes.
    """
    from_file: tuple[Route, ...] = ()
    if settings.models_file is not None:
        try:
            mtime = settings.models_file.stat().st_mtime
        except OSError as exc:
            raise SettingsError(f"{MODELS_FILE}: cannot read {settings.models_file}: {exc.strerror}") from None
        from_file = _read_models_file(settings.models_file, mtime)
    in_file = {r.name for r in from_file}
    routes: list[Route] = []
    for model in dict.fromkeys([settings.model, settings.grader_model, settings.fallback_model]):
        if model and not is_offline_model(model) and model.strip() not in in_file:
            routes.append(
                Route(name=model, model=model, api_base=settings.api_base, key_env=API_KEY, provider_keys=True)
            )
    return [*routes, *from_file]


def _norm(base: str | None) -> str | None:
    return (base or "").strip().rstrip("/") or None


def find_route(routes: list[Route], model: str, api_base: str | None) -> Route | None:
    """The configured route a (model, base) pair names: by name or litellm string,
    at the route's own server (an empty base means "the route's")."""
    base = _norm(api_base)
    for route in routes:
        if model.strip() in (route.name, route.model) and base in (None, _norm(route.api_base)):
            return route
    return None


def route_settings(
    settings: Settings,
    model: str,
    api_base: str | None,
    typed_key: str,
    env: Mapping[str, str],
    *,
    where: str = "the model settings",
) -> ModelSettings:
    """How to call ``model`` at ``api_base`` for a visitor who typed ``typed_key``.

    A configured route gets its own key (a typed key wins); anything else is a
    custom route, refused unless allowed, and never given a server-side key.
    """
    if is_offline_model(model):
        return settings.model_settings("offline")
    routes = configured_routes(settings)
    route = find_route(routes, model, api_base)
    typed = typed_key.strip()
    if route is not None:
        held = _key_value(route.key_env, env) if route.key_env else ""
        key = typed or held
        return _call_path(settings, route.model, route.api_base, key, server_keys=route.provider_keys and not typed)
    if not settings.allow_custom_models:
        names = ", ".join(dict.fromkeys(r.name for r in routes)) or "offline only"
        raise SettingsError(
            f"This server only offers the models its operator configured ({names}); "
            f"{model.strip()!r}{' at ' + api_base.strip() if api_base and api_base.strip() else ''} is not one of them. "
            f"Choose one in {where}."
        )
    base = check_api_base(api_base, "API base URL")
    return _call_path(settings, model.strip(), base, typed, server_keys=False)


def _call_path(settings: Settings, model: str, api_base: str | None, key: str, *, server_keys: bool) -> ModelSettings:
    # Every field set explicitly: Settings.model_settings would fill a missing
    # key or base from INTERVIEWER_API_KEY / _API_BASE, the very leak this prevents.
    return settings.model_settings(model).model_copy(
        update={"api_base": api_base, "api_key": SecretStr(key) if key else None, "server_keys": server_keys}
    )


def _key_value(var: str, env: Mapping[str, str]) -> str:
    # INTERVIEWER_API_KEY may come from st.secrets (merged into env); provider
    # variables named by the models file live in the process environment.
    return (env.get(var) or os.environ.get(var) or "").strip()


def route_names(settings: Settings) -> list[str]:
    return list(dict.fromkeys(r.name for r in configured_routes(settings)))
