"""Every config and data file is read by one function whose errors name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.console.settings import SettingsError, load_settings
from services.domain.policy import PolicyError, load_policy
from services.domain.schema import TomlFileError, read_toml
from services.hub.config import HubConfigError, load_hub_config


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"[hub\n", "not valid TOML"), (b"x = '\xff'\n", "not UTF-8")],
)
def test_errors_name_the_file(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    with pytest.raises(TomlFileError, match=rf"^{path}: {words}"):
        read_toml(path)


def test_a_missing_file_says_it_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(TomlFileError, match="cannot read: No such file"):
        read_toml(tmp_path / "missing.toml")


def test_each_reader_keeps_its_own_error_class(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b"\xff")
    with pytest.raises(PolicyError, match=str(path)):
        load_policy(path)
    with pytest.raises(HubConfigError, match=str(path)):
        load_hub_config(path)
    with pytest.raises(SettingsError, match=str(path)):
        load_settings(path, env={})
