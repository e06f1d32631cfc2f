"""The reference deployment (deploy/) agrees with the app and with docs/deploy.md.

These tests read the files only: no docker, no nginx, no network. They check
what can drift silently: a setting name the app does not read, a models file
its own loader refuses, a database URL the store cannot open, a proxy without
websocket upgrades or affinity, an [auth] section st.login would reject.
Whether the containers actually start is not tested here.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from interviewer.errors import SettingsError
from interviewer.routes import configured_routes, route_settings
from interviewer.settings import (
    ALLOW_CUSTOM_MODELS,
    DATA_DIR,
    DATABASE_SCHEMES,
    MODELS_FILE,
    NAMES,
    REQUIRE_LOGIN,
    check_database_url,
    load_settings,
)

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
DOCS = ROOT / "docs" / "deploy.md"
APP_PORT = 8501
# What Streamlit's st.login requires in [auth] (streamlit/auth_util.py,
# validate_auth_credentials): two shared keys and the default provider's three.
AUTH_KEYS = {"redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"}

_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def _dotenv(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


ENV_EXAMPLE = _dotenv(DEPLOY / ".env.example")


def _interpolate(value: str, values: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, enough for these files."""

    def one(m: re.Match[str]) -> str:
        name, op, arg = m["name"], m["op"], m["arg"]
        if name in values and (values[name] or not (op or "").startswith(":")):
            return values[name]
        if op and op.endswith("-"):
            return arg
        raise AssertionError(f"compose.yaml needs ${{{name}}}, which deploy/.env.example does not set")

    return _VAR.sub(one, value)


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _services() -> dict[str, Any]:
    return _compose()["services"]


def _app_services() -> dict[str, Any]:
    return {n: s for n, s in _services().items() if s.get("build", {}).get("dockerfile") == "deploy/Dockerfile"}


def _env(service: dict[str, Any]) -> dict[str, str]:
    return {k: _interpolate(str(v), ENV_EXAMPLE) for k, v in service.get("environment", {}).items()}


def _mount(service: dict[str, Any], target: str) -> Path:
    """The host file compose mounts at ``target`` (short or long volume syntax)."""
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            source, where = volume["source"], volume["target"]
        else:
            source, where = volume.split(":")[:2]
        if where == target:
            return (DEPLOY / source).resolve()
    raise AssertionError(f"nothing is mounted at {target}")


def _app_settings_env(tmp_path: Path) -> dict[str, str]:
    """An app replica's environment, with its container paths mapped to this checkout."""
    (app,) = list(_app_services().values())[:1]
    env = _env(app)
    env[MODELS_FILE] = str(_mount(app, env[MODELS_FILE]))
    env[DATA_DIR] = str(tmp_path)
    return env


def _docs() -> str:
    return DOCS.read_text(encoding="utf-8")


def _readme_team_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Running it for a team", 1)[1].split("\n## ", 1)[0]


# --- settings names ------------------------------------------------------------------


def test_every_interviewer_name_in_the_deployment_and_its_docs_is_a_setting() -> None:
    texts = {p.name: p.read_text(encoding="utf-8") for p in DEPLOY.iterdir() if p.is_file()}
    texts["docs/deploy.md"] = _docs()
    texts["README team section"] = _readme_team_section()
    named = {(where, n) for where, t in texts.items() for n in re.findall(r"\bINTERVIEWER_[A-Z_]*[A-Z]\b", t)}
    assert {n for _, n in named} >= {"INTERVIEWER_DATABASE_URL", "INTERVIEWER_REQUIRE_LOGIN", MODELS_FILE}
    unknown = sorted((where, n) for where, n in named if n not in NAMES)
    assert not unknown, f"not settings in interviewer/settings.py: {unknown}"


def test_every_variable_compose_requires_is_in_the_env_example() -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    required = {m["name"] for m in _VAR.finditer(text) if (m["op"] or "").endswith("?")}
    assert required >= {"POSTGRES_PASSWORD", "LITELLM_VIRTUAL_KEY"}
    assert not required - ENV_EXAMPLE.keys()


# --- the app replicas ----------------------------------------------------------------


def test_two_app_replicas_built_from_the_deploy_dockerfile() -> None:
    apps = _app_services()
    assert len(apps) == 2
    for service in apps.values():
        assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).resolve() == (
            DEPLOY / "Dockerfile"
        )
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^RUN pip install .*-r requirements\.txt", dockerfile, re.M)
    cmd = re.search(r"^CMD (.+)$", dockerfile, re.M)
    assert cmd is not None
    argv = yaml.safe_load(cmd[1])  # the exec form is a JSON list
    assert argv[:3] == ["streamlit", "run", "app.py"]
    assert argv[argv.index("--server.address") + 1] == "0.0.0.0"
    assert argv[argv.index("--server.port") + 1] == str(APP_PORT)
    assert (ROOT / "app.py").is_file() and (ROOT / "requirements.txt").is_file()


def test_the_app_environment_is_valid_for_the_app(tmp_path: Path) -> None:
    for name, service in _app_services().items():
        env = _env(service)
        env[MODELS_FILE] = str(_mount(service, env[MODELS_FILE]))
        env[DATA_DIR] = str(tmp_path)
        settings = load_settings(env)
        assert settings.require_login, f"{name}: {REQUIRE_LOGIN} must be true for a shared server"
        assert not settings.allow_custom_models, f"{name}: {ALLOW_CUSTOM_MODELS} must be false"
        assert settings.models_file == DEPLOY / "models.yaml"


def test_the_database_url_is_one_the_store_opens_and_points_at_the_postgres_service() -> None:
    services = _services()
    db = services["db"]
    assert str(db["image"]).startswith("postgres:")
    for service in _app_services().values():
        raw = _env(service)["INTERVIEWER_DATABASE_URL"]
        scheme = raw.split("://", 1)[0]
        assert scheme == "postgresql+psycopg" and scheme in DATABASE_SCHEMES
        assert check_database_url(raw) == raw
        url = sa.make_url(raw)
        db_env = _env(db)
        assert (url.host, url.port) == ("db", 5432)
        assert url.username == db_env["POSTGRES_USER"]
        assert url.password == db_env["POSTGRES_PASSWORD"]
        assert url.database == db_env["POSTGRES_DB"]
        # Building the engine loads the dialect and driver (psycopg 3) without connecting.
        assert sa.create_engine(url).dialect.driver == "psycopg"
        assert "db" in service["depends_on"]


def test_the_secrets_example_has_what_st_login_needs_and_is_mounted_where_streamlit_reads() -> None:
    auth = tomllib.loads((DEPLOY / "secrets.toml.example").read_text(encoding="utf-8"))["auth"]
    assert set(auth) >= AUTH_KEYS
    assert auth["redirect_uri"].endswith("/oauth2callback")
    assert auth["server_metadata_url"].endswith("/.well-known/openid-configuration")
    # docs/deploy.md shows the same section.
    block = re.search(r"```toml\n(\[auth\].*?)```", _docs(), re.S)
    assert block is not None
    assert set(tomllib.loads(block[1])["auth"]) == set(auth)
    workdir = re.search(r"^WORKDIR (\S+)", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"), re.M)
    assert workdir is not None
    for service in _app_services().values():
        assert _mount(service, f"{workdir[1]}/.streamlit/secrets.toml") == DEPLOY / "secrets.toml"
    ignored = (DEPLOY / ".gitignore").read_text(encoding="utf-8").split()
    assert "secrets.toml" in ignored and ".env" in ignored


# --- models: the app's file and the proxy's ------------------------------------------


def test_models_file_loads_through_the_apps_own_loader_and_routes_to_the_proxy(tmp_path: Path) -> None:
    env = _app_settings_env(tmp_path)
    settings = load_settings(env)
    routes = configured_routes(settings)
    assert routes
    proxy = _services()["litellm"]
    port = proxy["command"][proxy["command"].index("--port") + 1]
    served = {m["model_name"] for m in _litellm()["model_list"]}
    for route in routes:
        assert route.api_base == f"http://litellm:{port}/v1"
        assert route.key_env in env, f"models.yaml names {route.key_env}, which the app servers are not given"
        provider, _, name = route.model.partition("/")
        assert provider == "openai" and name in served
        # What a visitor picking it gets: the proxy, with the app's virtual key.
        call = route_settings(settings, route.name, None, "", env)
        assert (call.model, call.api_base) == (route.model, route.api_base)
        assert call.secret() == env[route.key_env] and not call.server_keys
    # The default model is one of the file's entries, so it goes to the proxy too.
    default = route_settings(settings, settings.model, None, "", env)
    assert settings.model in {r.name for r in routes}
    assert default.api_base == routes[0].api_base and not default.server_keys
    # And anything else is refused (no visitor-named servers on a shared deployment).
    with pytest.raises(SettingsError):
        route_settings(settings, "openai/gpt-4o", "http://elsewhere.example/v1", "", env)


def test_the_docs_models_example_loads_through_the_same_loader(tmp_path: Path) -> None:
    block = re.search(r"```yaml\n(model_list:.*?)```", _docs(), re.S)
    assert block is not None
    path = tmp_path / "models.yaml"
    path.write_text(block[1], encoding="utf-8")
    routes = configured_routes(load_settings({MODELS_FILE: str(path), DATA_DIR: str(tmp_path)}))
    # The same routes as deploy/models.yaml: the doc shows the file the deployment uses.
    assert routes == configured_routes(load_settings(_app_settings_env(tmp_path)))


def _litellm() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "litellm.yaml").read_text(encoding="utf-8"))


def test_the_proxy_config_reads_only_variables_the_proxy_is_given() -> None:
    config = _litellm()
    proxy = _services()["litellm"]
    assert _mount(proxy, "/app/config.yaml") == DEPLOY / "litellm.yaml"
    assert proxy["command"][proxy["command"].index("--config") + 1] == "/app/config.yaml"
    env = _env(proxy)
    refs = re.findall(r"os\.environ/([A-Za-z_][A-Za-z0-9_]*)", yaml.safe_dump(config))
    assert {"LITELLM_MASTER_KEY", "DATABASE_URL"} <= set(refs)
    assert not set(refs) - env.keys()
    assert env["LITELLM_MASTER_KEY"].startswith("sk-")
    # The proxy's own database, created by the init script; the app's key is not the provider's.
    url = sa.make_url(env["DATABASE_URL"])
    assert url.host == "db" and url.database != _env(_services()["db"])["POSTGRES_DB"]
    init = _mount(_services()["db"], "/docker-entrypoint-initdb.d/10-litellm.sql").read_text(encoding="utf-8")
    assert re.search(rf"CREATE DATABASE {url.database}\b", init)
    for app in _app_services().values():
        assert "OPENAI_API_KEY" not in app["environment"]


# --- nginx ---------------------------------------------------------------------------


def _nginx() -> str:
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def _block(text: str, head: str) -> str:
    """The body of the first ``head { ... }`` block, nested braces included."""
    m = re.search(re.escape(head) + r"\s*\{", text)
    assert m is not None, f"no {head} block in nginx.conf"
    depth, i = 1, m.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[m.end() : i - 1]


def _directives(body: str) -> list[list[str]]:
    return [s.split() for s in body.split(";") if s.split()]


def test_nginx_keeps_each_browser_on_one_replica_and_lists_every_replica() -> None:
    conf = _nginx()
    upstream = _block(conf, "upstream interviewer_app")
    directives = _directives(upstream)
    affinity = [d for d in directives if d[0] == "ip_hash" or (d[0] == "hash" and d[1].startswith("$cookie_"))]
    assert affinity, "no session affinity (ip_hash or a cookie hash) in the upstream"
    servers = {d[1] for d in directives if d[0] == "server"}
    assert servers == {f"{name}:{APP_PORT}" for name in _app_services()}
    assert _mount(_services()["nginx"], "/etc/nginx/conf.d/default.conf") == DEPLOY / "nginx.conf"


def test_nginx_upgrades_the_websocket_and_passes_the_host() -> None:
    conf = _nginx()
    stream = _directives(_block(conf, "location /_stcore/stream"))
    assert ["proxy_pass", "http://interviewer_app"] in stream
    assert ["proxy_http_version", "1.1"] in stream
    assert ["proxy_set_header", "Upgrade", "$http_upgrade"] in stream
    connection = [d for d in stream if d[:2] == ["proxy_set_header", "Connection"]]
    assert connection and connection[0][2] in ('"upgrade"', "upgrade", "$connection_upgrade")
    if connection[0][2] == "$connection_upgrade":
        assert re.search(r"map\s+\$http_upgrade\s+\$connection_upgrade", conf)
    for location in ("location /_stcore/stream", "location /"):
        assert ["proxy_set_header", "Host", "$host"] in _directives(_block(conf, location))
