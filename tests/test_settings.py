"""One settings module: names, validation at the edge, one precedence rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewer.errors import InterviewerError, SettingsError
from interviewer.settings import (
    NAMES,
    ModelSettings,
    first_set,
    grader_model_for,
    is_offline_model,
    load_settings,
    merged_env,
)


def test_offline_by_default_and_values_from_the_environment(tmp_path: Path) -> None:
    assert load_settings({}).offline
    s = load_settings({"INTERVIEWER_MODEL": "ollama/llama3.1", "INTERVIEWER_API_BASE": "http://127.0.0.1:11434/"})
    assert s.model == "ollama/llama3.1" and s.api_base == "http://127.0.0.1:11434" and not s.offline
    ms = s.model_settings("openai/x")
    assert ms.model == "openai/x" and ms.api_base == "http://127.0.0.1:11434"
    # Offline never carries a server.
    assert s.model_settings("offline").api_base is None


def test_secrets_are_read_and_the_environment_wins() -> None:
    got = merged_env(
        {"INTERVIEWER_MODEL": "env-model", "HOME": "/x"},
        {"INTERVIEWER_MODEL": "secret-model", "INTERVIEWER_API_BASE": "http://h:1/v1", "OTHER": "ignored", "N": {}},
    )
    assert got == {"INTERVIEWER_MODEL": "env-model", "INTERVIEWER_API_BASE": "http://h:1/v1"}


@pytest.mark.parametrize(
    ("var", "value", "says"),
    [
        ("INTERVIEWER_TIMEOUT", "soon", "must be a number"),
        ("INTERVIEWER_TIMEOUT", "inf", "above 0"),
        ("INTERVIEWER_TIMEOUT", "nan", "above 0"),
        ("INTERVIEWER_TIMEOUT", "0", "above 0"),
        ("INTERVIEWER_TIMEOUT", "-5", "above 0"),
        ("INTERVIEWER_TIMEOUT", "1e9", "at most"),
        ("INTERVIEWER_RETRIES", "-1", "whole number"),
        ("INTERVIEWER_RETRIES", "nan", "whole number"),
        ("INTERVIEWER_RETRIES", "inf", "whole number"),
        ("INTERVIEWER_RETRIES", "2.5", "whole number"),
        ("INTERVIEWER_RETRIES", "11", "whole number"),
        ("INTERVIEWER_API_BASE", "not-a-url", "http:// or https://"),
        ("INTERVIEWER_API_BASE", "ftp://host/v1", "http:// or https://"),
        ("INTERVIEWER_API_BASE", "http://", "with a host"),
        ("INTERVIEWER_API_BASE", "http://ho st/v1", "with a host"),
        ("INTERVIEWER_DATA_DIR", "", "is empty"),
        ("INTERVIEWER_DATA_DIR", "   ", "is empty"),
    ],
)
def test_bad_settings_are_refused_naming_the_variable(var: str, value: str, says: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({var: value})
    assert var in str(err.value) and says in str(err.value)
    assert isinstance(err.value, InterviewerError)


def test_data_dir_expands_the_home_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert load_settings({"INTERVIEWER_DATA_DIR": "~/x"}).data_dir == tmp_path / "x"
    assert load_settings({"XDG_DATA_HOME": str(tmp_path / "xdg")}).data_dir == tmp_path / "xdg" / "interviewer"


def test_one_precedence_for_the_grader() -> None:
    s = load_settings({"INTERVIEWER_MODEL": "env-i", "INTERVIEWER_GRADER_MODEL": "env-g"})
    assert grader_model_for(s, explicit="flag", session_grader="sg", session_model="sm") == "flag"
    assert grader_model_for(s, session_grader="sg", session_model="sm") == "sg"
    assert grader_model_for(s, session_model="sm") == "sm"
    assert grader_model_for(s) == "env-g"
    assert grader_model_for(load_settings({"INTERVIEWER_MODEL": "env-i"})) == "env-i"
    assert grader_model_for(load_settings({})) == "offline"
    assert first_set(None, "  ", "x") == "x" and first_set() is None


def test_the_key_never_shows_in_a_dump_or_repr() -> None:
    s = load_settings({"INTERVIEWER_API_KEY": "sk-very-secret-1234"})
    assert "sk-very-secret" not in repr(s) and "sk-very-secret" not in s.model_dump_json()
    ms = s.model_settings("gpt-4o-mini")
    assert ms.secret() == "sk-very-secret-1234"
    assert "sk-very-secret" not in repr(ms) and "sk-very-secret" not in ms.model_dump_json()


def test_names_and_offline_words() -> None:
    assert all(n.startswith("INTERVIEWER_") for n in NAMES)
    assert is_offline_model(None) and is_offline_model(" Offline ") and is_offline_model("none")
    assert not is_offline_model("gpt-4o")
    with pytest.raises(ValueError):
        ModelSettings(timeout=float("inf"))


def test_database_url_admins_and_login_settings() -> None:
    from interviewer.settings import load_settings

    s = load_settings(
        {
            "INTERVIEWER_DATABASE_URL": "postgresql://u:secret@db/x",
            "INTERVIEWER_ADMINS": "Ann@Example.com, bo@example.com",
            "INTERVIEWER_REQUIRE_LOGIN": "true",
        },
        {},
    )
    assert s.database_url == "postgresql+psycopg://u:secret@db/x"
    assert s.admins == frozenset({"ann@example.com", "bo@example.com"})
    assert s.require_login is True
    assert "secret" not in repr(s) and "secret" not in str(s.model_dump())
    assert load_settings({}, {}).database_url is None


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("INTERVIEWER_DATABASE_URL", "mysql://u:hunter2@db/x"),
        ("INTERVIEWER_DATABASE_URL", "not a url hunter2"),
        ("INTERVIEWER_ADMINS", "ann"),
        ("INTERVIEWER_REQUIRE_LOGIN", "maybe"),
    ],
)
def test_bad_database_and_login_settings_are_refused(var: str, value: str) -> None:
    from interviewer.settings import load_settings

    with pytest.raises(SettingsError) as err:
        load_settings({var: value}, {})
    assert var in str(err.value)
    assert "hunter2" not in str(err.value)
