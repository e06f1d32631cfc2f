"""Who is looking: the owner every store query is scoped to (pure logic).

- Sign-in configured (``[auth]`` in secrets.toml, Streamlit's ``st.login``):
  the signed-in e-mail owns what it creates; listed admins see everything;
  nobody sees anything before signing in.
- No sign-in, reached on localhost: the one-person install, owner "local".
- No sign-in, reached from elsewhere: a guest owner private to this browser
  tab, so a server exposed by mistake never shows one visitor another's
  sessions (and ``INTERVIEWER_REQUIRE_LOGIN`` refuses to serve at all).
"""

from __future__ import annotations

from dataclasses import dataclass

from .store import LOCAL_OWNER

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


@dataclass(frozen=True)
class Viewer:
    owner: str
    see_all: bool = False
    # Shown to the visitor; None when there is nothing to say.
    notice: str | None = None


@dataclass(frozen=True)
class Refusal:
    """Nothing is served; ``sign_in`` says whether a sign-in button helps."""

    message: str
    sign_in: bool


def is_local(ip: str | None, host_header: str | None) -> bool:
    """Streamlit reports no IP for a localhost connection; the Host header
    catches a reverse proxy on the same machine forwarding outside traffic."""
    if ip not in (None, "127.0.0.1", "::1"):
        return False
    host = (host_header or "localhost").strip().lower()
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
    return name in LOCAL_HOSTS


def viewer(
    *,
    auth_configured: bool,
    email: str | None,
    admins: frozenset[str],
    require_login: bool,
    local: bool,
    tab_id: str,
) -> Viewer | Refusal:
    if auth_configured:
        if not email:
            return Refusal("Sign in to see and continue your interviews.", sign_in=True)
        who = email.strip().lower()
        return Viewer(owner=who, see_all=who in admins)
    if require_login:
        return Refusal(
            "This server requires sign-in, but none is configured: the operator must add an [auth] "
            "section to .streamlit/secrets.toml (see docs/deploy.md).",
            sign_in=False,
        )
    if local:
        return Viewer(owner=LOCAL_OWNER)
    return Viewer(
        owner=f"guest:{tab_id}",
        notice=(
            "Sign-in is not configured on this server, so your interviews are private to this browser tab "
            "and cannot be reopened after it closes."
        ),
    )
