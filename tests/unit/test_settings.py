"""Console settings: file, then environment, then flags."""

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from services.console.settings import (
    DEFAULT_HUB,
    ConsoleSettings,
    SettingsError,
    journal_folder,
    load_settings,
    unknown_key_ids,
)


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "missing.toml", env={})
    assert settings.hub_url == DEFAULT_HUB
    assert settings.ws_url == "ws://127.0.0.1:8080/api/stream"


def test_file_then_env_then_flags(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'hub = "http://file:1"\ntoken = "file-token"\nredact = true\n'
        '[keys]\n"dashboard.quit" = "ctrl+q"\n'
    )
    settings = load_settings(path, env={})
    assert (settings.hub_url, settings.token, settings.redact) == (
        "http://file:1",
        "file-token",
        True,
    )
    assert settings.keymap == {"dashboard.quit": "ctrl+q"}
    settings = load_settings(
        path, env={"WARROOM_HUB": "https://env:2/", "WARROOM_TOKEN": "env-token"}
    )
    assert (settings.hub_url, settings.token) == ("https://env:2", "env-token")
    assert settings.ws_url == "wss://env:2/api/stream"
    settings = load_settings(path, env={"WARROOM_TOKEN": "env-token"}, token="flag", hub_url=None)
    assert settings.token == "flag" and settings.hub_url == "http://file:1"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('hub = "ftp://x"\n', "hub: must be an http:// or https:// URL"),
        ("redact = 3\n", "redact: Expected `bool`, got `int`"),
        ("colour = 1\n", r"colour: unknown key \(expected one of: hub, token, redact"),
        ("stale_after_heartbeats = 0\n", "stale_after_heartbeats: Expected `int` >= 1"),
        ("[keys]\nx = 1\n", "keys.x: Expected `str`, got `int`"),
        ('[keys]\nx = ""\n', "keys.x: must not be empty"),
        ("token = 7\n", "token: Expected `str`, got `int`"),
        ("hub = \n", "not valid TOML"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=needle) as info:
        load_settings(path, env={})
    assert str(info.value).startswith(f"{path}: ")


def test_bad_env_url_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="WARROOM_HUB"):
        load_settings(tmp_path / "none.toml", env={"WARROOM_HUB": "localhost:8080"})


def test_restore_watch_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("restore_watch_minutes = 2.5\n")
    assert load_settings(path, env={}).restore_watch_s == 150.0
    assert load_settings(tmp_path / "none.toml", env={}).restore_watch_s == 300.0
    path.write_text("restore_watch_minutes = 0\n")
    with pytest.raises(SettingsError, match="restore_watch_minutes"):
        load_settings(path, env={})


def test_unknown_key_ids_are_named_with_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[keys]\n"dashboard.quit" = "ctrl+q"\n"dashbord.help" = "f1"\n')
    settings = load_settings(path, env={})
    assert unknown_key_ids(settings, ["dashboard.quit", "dashboard.help"]) == [
        f"{path}: keys.dashbord.help: unknown binding id (known: dashboard.help, dashboard.quit)"
    ]
    assert unknown_key_ids(settings, ["dashboard.quit", "dashbord.help"]) == []


def test_the_config_file_takes_one_hub_or_its_replicas(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('hub = ["http://a:1/", "https://b:2", "http://a:1"]\n')
    settings = load_settings(path, env={})
    assert settings.hub_urls == ("http://a:1", "https://b:2")  # a repeat is listed once
    assert settings.hub_url == "http://a:1"
    assert settings.ws_urls == ("ws://a:1/api/stream", "wss://b:2/api/stream")
    path.write_text('hub = "http://a:1"\n')
    assert load_settings(path, env={}).hub_urls == ("http://a:1",)
    for text, needle in (
        ('hub = ["http://a:1", "b:2"]\n', r"hub\[1\]: must be an http:// or https:// URL"),
        ("hub = []\n", "hub: Expected `array` of length >= 1"),
    ):
        path.write_text(text)
        with pytest.raises(SettingsError, match=needle):
            load_settings(path, env={})


def test_hub_flag_and_env_take_a_comma_separated_list(tmp_path: Path) -> None:
    missing = tmp_path / "none.toml"
    flag = load_settings(missing, env={}, hub_url="http://a:1, http://b:2/")
    assert flag.hub_urls == ("http://a:1", "http://b:2")
    env = load_settings(missing, env={"WARROOM_HUB": "http://c:3,http://d:4"})
    assert env.hub_urls == ("http://c:3", "http://d:4")
    assert load_settings(
        missing, env={"WARROOM_HUB": "http://c:3,http://d:4"}, hub_url="http://e:5"
    ).hub_urls == ("http://e:5",)


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("http://a:1,b:2", "--hub: URL 2 of 2 must be an http:// or https:// URL, not 'b:2'"),
        ("http://a:1,,http://c:3", "--hub: URL 2 of 3 must be .* not ''"),
        ("ftp://a", "--hub: value must be an http:// or https:// URL, not 'ftp://a'"),
    ],
)
def test_a_bad_url_in_the_list_is_named(tmp_path: Path, value: str, needle: str) -> None:
    with pytest.raises(SettingsError, match=needle):
        load_settings(tmp_path / "none.toml", env={}, hub_url=value)


def test_the_replicas_of_one_hub_share_one_journal(tmp_path: Path) -> None:
    one = ConsoleSettings(hub_url="http://a:1", token="t", data_dir=tmp_path)
    # One URL keeps the folder it always had (HOST_PORT-sha256(url NUL token)).
    digest = hashlib.sha256(b"http://a:1\0t").hexdigest()[:12]
    assert journal_folder(one) == tmp_path / "journals" / f"a_1-{digest}"
    both = replace(one, more_hubs=("http://b:2",))
    reordered = replace(one, hub_url="http://b:2", more_hubs=("http://a:1",))
    assert journal_folder(both) == journal_folder(reordered) != journal_folder(one)
    assert journal_folder(replace(both, token="u")) != journal_folder(both)
