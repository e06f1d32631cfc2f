"""Per-browser-session resources and small helpers every page uses."""

from __future__ import annotations

import logging
import os
from typing import Any

import streamlit as st

from ..framework import Framework, framework
from ..settings import load_settings, merged_env
from ..store import Store
from . import model_choice, routing

log = logging.getLogger("interviewer.app")


def fw() -> Framework:
    return framework()


def store() -> Store:
    """One SQLite connection per browser session (and per data directory)."""
    path = load_settings(env()).data_dir
    current: Store | None = st.session_state.get("_store")
    if current is None or current.data_dir != path:
        current = Store(path)
        st.session_state["_store"] = current
    return current


def secrets() -> dict[str, Any]:
    try:
        if st.secrets.load_if_toml_exists():
            return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # a malformed secrets.toml must not break the app
        pass
    return {}


def env() -> dict[str, str]:
    return merged_env(os.environ, secrets())


def choice() -> model_choice.ModelChoice:
    s = st.session_state
    return model_choice.ModelChoice(
        model=s.get("cfg_model", ""),
        grader_model=s.get("cfg_grader", ""),
        api_base=s.get("cfg_base", ""),
        api_key=s.get("cfg_key", ""),
    )


def errors() -> dict[str, str]:
    return st.session_state.setdefault("_errors", {})


def go(page: routing.Page, session_id: str | None = None) -> None:
    st.query_params.from_dict(routing.params_for(page, session_id))
