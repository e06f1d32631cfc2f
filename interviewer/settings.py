"""Every setting in one place: its name, default, validation and precedence.

Settings come from the environment (``INTERVIEWER_*``) and, in the app, from
``st.secrets``; the environment wins. Nothing else in the package reads
``os.environ`` for an ``INTERVIEWER_*`` name. Values are checked here, at the
edge, so a bad one stops the program with a message naming the variable
instead of failing deep inside a model call.

Precedence for the model of an interview or a grading run is one rule,
:func:`first_set`: an explicit argument (a CLI flag, the sidebar), then what
the session recorded, then these settings, then offline.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from .errors import SettingsError

PREFIX = "INTERVIEWER_"
MODEL = "INTERVIEWER_MODEL"
GRADER_MODEL = "INTERVIEWER_GRADER_MODEL"
API_BASE = "INTERVIEWER_API_BASE"
API_KEY = "INTERVIEWER_API_KEY"
FALLBACK_MODEL = "INTERVIEWER_FALLBACK_MODEL"
TIMEOUT = "INTERVIEWER_TIMEOUT"
RETRIES = "INTERVIEWER_RETRIES"
DATA_DIR = "INTERVIEWER_DATA_DIR"
CONTENT_DIR = "INTERVIEWER_CONTENT_DIR"
# A LiteLLM-style model_list (YAML) naming the models visitors may use.
MODELS_FILE = "INTERVIEWER_MODELS_FILE"
# May a visitor name a model or server the operator did not configure
# (always with their own key)? Default yes: on one's own machine the visitor
# is the operator. A shared deployment sets it to false.
ALLOW_CUSTOM_MODELS = "INTERVIEWER_ALLOW_CUSTOM_MODELS"
# A SQLAlchemy URL selecting a shared store (postgresql+psycopg://...);
# unset means SQLite in the data directory.
DATABASE_URL = "INTERVIEWER_DATABASE_URL"
# Comma-separated e-mails of signed-in users who may see every session.
ADMINS = "INTERVIEWER_ADMINS"
# Refuse to serve without sign-in configured ([auth] in secrets.toml):
# for a deployment reachable beyond localhost.
REQUIRE_LOGIN = "INTERVIEWER_REQUIRE_LOGIN"

# The names a deployment may set (also accepted from st.secrets).
NAMES: tuple[str, ...] = (
    MODEL,
    GRADER_MODEL,
    API_BASE,
    API_KEY,
    FALLBACK_MODEL,
    TIMEOUT,
    RETRIES,
    DATA_DIR,
    CONTENT_DIR,
    MODELS_FILE,
    ALLOW_CUSTOM_MODELS,
    DATABASE_URL,
    ADMINS,
    REQUIRE_LOGIN,
)

OFFLINE = "offline"
DEFAULT_TIMEOUT = 60.0
MAX_TIMEOUT = 3600.0
DEFAULT_RETRIES = 2
MAX_RETRIES = 10

StructuredMode = Literal["auto", "json_schema", "json_object", "none"]
LOCAL_PREFIXES = ("ollama/", "ollama_chat/", "hosted_vllm/", "lm_studio/", "llamafile/")


def is_offline_model(model: str | None) -> bool:
    return not model or model.strip().lower() in {OFFLINE, "none"}


def first_set(*values: str | None) -> str | None:
    """The first value that is set (not None, not blank): the precedence rule."""
    for value in values:
        if value is not None and value.strip():
            return value.strip()
    return None


# --- checks ------------------------------------------------------------------------


def check_api_base(value: str | None, name: str = API_BASE) -> str | None:
    """An http(s) URL with a host, or None. Refused at once rather than retried
    as a connection error for a minute."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise SettingsError(f"{name} must be an http:// or https:// URL with a host, got {value!r}")
    return value.rstrip("/")


def check_timeout(value: float, name: str = TIMEOUT) -> float:
    if not math.isfinite(value) or value <= 0 or value > MAX_TIMEOUT:
        raise SettingsError(f"{name} must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}, got {value!r}")
    return float(value)


def check_retries(value: float, name: str = RETRIES) -> int:
    if not math.isfinite(value) or value != int(value) or not 0 <= value <= MAX_RETRIES:
        raise SettingsError(f"{name} must be a whole number from 0 to {MAX_RETRIES}, got {value!r}")
    return int(value)


def check_dir(value: str, name: str) -> Path:
    if not value.strip():
        raise SettingsError(f"{name} is empty; give a path or leave it unset")
    return Path(value.strip()).expanduser()


def check_bool(raw: str | None, name: str, default: bool) -> bool:
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


DATABASE_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")


def check_database_url(raw: str | None) -> str | None:
    """A SQLAlchemy URL for SQLite or PostgreSQL (psycopg 3); plain
    ``postgresql://`` means psycopg 3, the driver this package ships with."""
    if raw is None or not raw.strip():
        return None
    url = raw.strip()
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in DATABASE_SCHEMES or (scheme.lower() != "sqlite" and not rest):
        # The URL may hold a password: name the scheme only.
        raise SettingsError(
            f"{DATABASE_URL} must be a postgresql+psycopg://user:password@host/db or sqlite:///path URL"
            + (f" (got scheme {scheme[:20]!r})" if sep else " (got no scheme://)")
        )
    if scheme.lower() == "postgresql":
        url = "postgresql+psycopg://" + rest
    return url


def check_admins(raw: str | None) -> frozenset[str]:
    names = frozenset(part.strip().lower() for part in (raw or "").split(",") if part.strip())
    bad = sorted(n for n in names if "@" not in n)
    if bad:
        raise SettingsError(f"{ADMINS} must list e-mail addresses separated by commas, got {bad[0]!r}")
    return names


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


def content_dir(env: Mapping[str, str] | None = None) -> Path | None:
    """Where ``prompts/`` and ``rubrics/`` live when not the bundled ones (tests of broken content)."""
    env = os.environ if env is None else env
    raw = env.get(CONTENT_DIR)
    return check_dir(raw, CONTENT_DIR) if raw is not None else None


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get(DATA_DIR) is not None:
        return check_dir(env[DATA_DIR], DATA_DIR)
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "interviewer"


# --- how to reach a model ------------------------------------------------------------


class ModelSettings(BaseModel):
    """How to reach one model. The key is a SecretStr, excluded from dumps and reprs."""

    model_config = ConfigDict(extra="forbid")

    model: str = OFFLINE
    api_base: str | None = None
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0, le=MAX_TIMEOUT, allow_inf_nan=False)
    max_retries: int = Field(default=DEFAULT_RETRIES, ge=0, le=MAX_RETRIES)
    # Seconds before the first retry; doubled each time, with jitter.
    backoff: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    fallback_model: str | None = None
    temperature: float = 0.4
    max_tokens: int = 600
    structured: StructuredMode = "auto"
    # May a call without an explicit key fall back to keys in the server's
    # environment (OPENAI_API_KEY, ...)? Only for a route the operator
    # configured; a visitor-named model or base gets the visitor's key or none.
    server_keys: bool = True

    @property
    def offline(self) -> bool:
        return is_offline_model(self.model)

    @property
    def is_local(self) -> bool:
        return bool(self.api_base) or self.model.startswith(LOCAL_PREFIXES)

    def where(self) -> str:
        return f"{self.model} at {self.api_base}" if self.api_base else self.model

    def with_model(self, model: str) -> ModelSettings:
        return self.model_copy(update={"model": model})

    def secret(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None


# --- the whole configuration --------------------------------------------------------


class Settings(BaseModel):
    """The deployment's configuration, validated. Build it with :func:`load_settings`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = OFFLINE
    grader_model: str | None = None
    api_base: str | None = None
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    fallback_model: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    data_dir: Path
    content_dir: Path | None = None
    models_file: Path | None = None
    allow_custom_models: bool = True
    # May hold a password: never in reprs or dumps.
    database_url: str | None = Field(default=None, exclude=True, repr=False)
    admins: frozenset[str] = frozenset()
    require_login: bool = False

    @property
    def offline(self) -> bool:
        return is_offline_model(self.model)

    def model_settings(
        self, model: str | None = None, api_base: str | None = None, api_key: SecretStr | None = None
    ) -> ModelSettings:
        """Settings for one model call path: the given model (else the configured
        one) with timeout, retries and fallback from the configuration."""
        chosen = first_set(model, self.model) or OFFLINE
        return ModelSettings(
            model=chosen,
            api_base=None if is_offline_model(chosen) else first_set(api_base, self.api_base),
            api_key=api_key if api_key is not None else self.api_key,
            timeout=self.timeout,
            max_retries=self.retries,
            fallback_model=self.fallback_model,
        )


def merged_env(environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None) -> dict[str, str]:
    """``INTERVIEWER_*`` values: ``st.secrets`` first, the environment overrides."""
    environ = os.environ if environ is None else environ
    merged = {k: str(v) for k, v in (secrets or {}).items() if k in NAMES and isinstance(v, str | int | float)}
    merged.update({k: v for k, v in environ.items() if k.startswith(PREFIX)})
    if "XDG_DATA_HOME" in environ:
        merged["XDG_DATA_HOME"] = environ["XDG_DATA_HOME"]
    return merged


def load_settings(environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None) -> Settings:
    """Read and check every setting; raises SettingsError naming the bad one."""
    env = merged_env(environ, secrets)
    key = (env.get(API_KEY) or "").strip()
    return Settings(
        model=first_set(env.get(MODEL)) or OFFLINE,
        grader_model=first_set(env.get(GRADER_MODEL)),
        api_base=check_api_base(env.get(API_BASE)),
        api_key=SecretStr(key) if key else None,
        fallback_model=first_set(env.get(FALLBACK_MODEL)),
        timeout=check_timeout(_number(env, TIMEOUT, DEFAULT_TIMEOUT)),
        retries=check_retries(_number(env, RETRIES, DEFAULT_RETRIES)),
        data_dir=default_data_dir(env),
        content_dir=content_dir(env),
        models_file=check_dir(env[MODELS_FILE], MODELS_FILE) if env.get(MODELS_FILE) is not None else None,
        allow_custom_models=check_bool(env.get(ALLOW_CUSTOM_MODELS), ALLOW_CUSTOM_MODELS, True),
        database_url=check_database_url(env.get(DATABASE_URL)),
        admins=check_admins(env.get(ADMINS)),
        require_login=check_bool(env.get(REQUIRE_LOGIN), REQUIRE_LOGIN, False),
    )


def grader_model_for(
    settings: Settings,
    *,
    explicit: str | None = None,
    session_grader: str | None = None,
    session_model: str | None = None,
) -> str:
    """The one order for choosing a grader, used by the CLI and the app alike:
    an explicit choice, the session's grader, the session's interviewer, the
    configured grader, the configured interviewer, offline."""
    return first_set(explicit, session_grader, session_model, settings.grader_model, settings.model) or OFFLINE
