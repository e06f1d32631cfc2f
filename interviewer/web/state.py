"""Per-browser-session resources and small helpers every page uses."""

from __future__ import annotations

import logging
import os
import uuid
from typing import Any

import streamlit as st

from .. import ownership
from ..framework import Framework, framework
from ..settings import Settings, load_settings, merged_env
from ..store import Store
from . import model_choice, routing

log = logging.getLogger("interviewer.app")


def fw() -> Framework:
    return framework()


def auth_configured() -> bool:
    """Streamlit's OIDC sign-in is set up ([auth] in secrets.toml)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no or malformed secrets.toml: no sign-in
        return False


def tab_id() -> str:
    """A random id for this browser tab's Streamlit session (lease holder, guest owner)."""
    return st.session_state.setdefault("_tab_id", uuid.uuid4().hex)


def current_viewer(settings: Settings | None = None) -> ownership.Viewer | ownership.Refusal:
    settings = settings or load_settings(env())
    configured = auth_configured()
    email = None
    if configured and st.user.is_logged_in:
        email = str(st.user.get("email") or "") or None
    return ownership.viewer(
        auth_configured=configured,
        email=email,
        admins=settings.admins,
        require_login=settings.require_login,
        # Anything but a string (streamlit.testing's stand-in) counts as no IP.
        local=ownership.is_local(
            ip if isinstance(ip := st.context.ip_address, str) else None, st.context.headers.get("Host")
        ),
        tab_id=tab_id(),
    )


def store() -> Store:
    """This visitor's view of the store (one per browser session; engines are shared).

    Raises NotSignedIn when nothing may be shown yet.
    """
    settings = load_settings(env())
    who = current_viewer(settings)
    if isinstance(who, ownership.Refusal):
        raise NotSignedIn(who)
    key = (str(settings.data_dir), settings.database_url, who.owner, who.see_all)
    current: Store | None = st.session_state.get("_store")
    if current is None or st.session_state.get("_store_key") != key:
        current = Store(settings.data_dir, url=settings.database_url, owner=who.owner, see_all=who.see_all)
        st.session_state["_store"] = current
        st.session_state["_store_key"] = key
    return current


class NotSignedIn(Exception):
    """The page shows a sign-in prompt (or the operator's refusal) instead."""

    def __init__(self, refusal: ownership.Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


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
