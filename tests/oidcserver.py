"""A local OpenID Connect provider for sign-in tests: npm's oidc-provider on 127.0.0.1.

``oidc_provider(redirect_uris)`` runs ``node tests/oidc/server.mjs`` on a free
port and yields an :class:`OidcProvider` once its discovery document answers.
The redirect URIs must be known up front (the provider only redirects to
registered ones), so start the app's port first (``servers.free_port``).
The login form accepts any lower-case name with any password: ``alice`` signs
in as ``alice@example.test``. ``.ci/run`` installs it (``npm ci`` in tests/oidc).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from servers import free_port, serving

OIDC_DIR = Path(__file__).resolve().parent / "oidc"


@dataclass(frozen=True)
class OidcProvider:
    issuer: str  # http://127.0.0.1:PORT
    discovery_url: str  # issuer + /.well-known/openid-configuration
    client_id: str
    client_secret: str


def missing_requirement() -> str | None:
    """Why the provider cannot start here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        return f"{OIDC_DIR}/node_modules is missing (cd tests/oidc && npm ci)"
    return None


@contextlib.contextmanager
def oidc_provider(
    redirect_uris: list[str], log_dir: Path, *, client_id: str = "interviewer", client_secret: str | None = None
) -> Iterator[OidcProvider]:
    if not redirect_uris:
        raise ValueError("at least one redirect URI is needed")
    client_secret = client_secret or secrets.token_urlsafe(24)
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    discovery = f"{issuer}/.well-known/openid-configuration"
    cmd = ["node", "server.mjs", "--port", str(port), "--client-id", client_id, "--client-secret", client_secret]
    for uri in redirect_uris:
        cmd += ["--redirect-uri", uri]
    with serving(cmd, discovery, log_dir / f"oidc-{port}.log", deadline_s=30, cwd=OIDC_DIR):
        yield OidcProvider(issuer, discovery, client_id, client_secret)


def streamlit_auth_secrets(provider: OidcProvider, redirect_uri: str, cookie_secret: str | None = None) -> str:
    """The ``[auth]`` section of Streamlit's secrets.toml for st.login() against ``provider``.

    TOML basic strings accept JSON's escapes, so json.dumps quotes each value.
    """
    values = {
        "redirect_uri": redirect_uri,  # must end with /oauth2callback; Streamlit serves that path
        "cookie_secret": cookie_secret or secrets.token_urlsafe(32),  # signs the sign-in cookie
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "server_metadata_url": provider.discovery_url,
    }
    return "[auth]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())
