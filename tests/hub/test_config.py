"""The hub config file: the documented shape loads, anything else names file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.hub.config import AGENTOS_PACKS, HubConfigError, TokenEntry, load_hub_config
from services.hub.http.auth import DEFAULT_PERMISSIONS

EXAMPLE = """
[hub]
host = "127.0.0.1"
port = 8080
data_dir = "/var/lib/warroom"
heartbeat_interval_s = 2.0
ring_size = 10000
packs = ["marketing", "finance", "engineering", "devops", "legal", "research", "support"]

[[tokens]]
token = "s3cret-alice"
user = "alice"
role = "incident-commander"

[[tokens]]
token = "agents-token"
user = "agent-fleet"
role = "agent"

[permissions]
"killswitch.pack" = ["team-lead", "on-call", "incident-commander", "security-lead"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_documented_example_loads(tmp_path: Path) -> None:
    config = load_hub_config(write(tmp_path, EXAMPLE))
    assert config.port == 8080
    assert config.data_dir == Path("/var/lib/warroom")
    assert config.packs == list(AGENTOS_PACKS)
    assert config.tokens[0] == TokenEntry("s3cret-alice", "alice", "incident-commander")
    assert config.permissions["killswitch.pack"][-1] == "security-lead"
    assert config.permissions["read"] == DEFAULT_PERMISSIONS["read"]
    assert config.policy_path is None


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    config = load_hub_config(write(tmp_path, ""))
    assert (config.host, config.port, config.heartbeat_interval_s) == ("127.0.0.1", 8080, 2.0)
    assert config.tokens == []
    assert (config.two_person_global, config.two_person_window_s) == (False, 300.0)
    assert config.stop_deadline_s == 30.0
    assert config.escalation_webhooks == {}
    assert (config.delivery_attempts, config.delivery_backoff_s) == (5, 2.0)


CONTAINMENT = """
[killswitch]
two_person_global = true
two_person_window_s = 120
stop_deadline_s = 20

[escalation_webhooks]
"engineering-manager" = "https://pager.example.com/hooks/em"
legal = "http://127.0.0.1:9000/legal"

[escalation_delivery]
max_attempts = 3
backoff_s = 0.5
timeout_s = 2
"""


def test_containment_and_escalation_sections_load(tmp_path: Path) -> None:
    config = load_hub_config(write(tmp_path, CONTAINMENT))
    assert config.two_person_global is True
    assert (config.two_person_window_s, config.stop_deadline_s) == (120.0, 20.0)
    assert config.escalation_webhooks == {
        "engineering-manager": "https://pager.example.com/hooks/em",
        "legal": "http://127.0.0.1:9000/legal",
    }
    assert (config.delivery_attempts, config.delivery_backoff_s, config.delivery_timeout_s) == (
        3,
        0.5,
        2.0,
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[hub]\nprot = 1", "hub.prot"),
        ("[hub]\nport = 70000", "hub.port"),
        ("[hub]\nport = true", "hub.port"),
        ("[hub]\nheartbeat_interval_s = 0", "hub.heartbeat_interval_s"),
        ("[hub]\nring_size = 1.5", "hub.ring_size"),
        ("[hub]\npacks = []", "hub.packs"),
        ('[hub]\npacks = ["a b"]', "hub.packs"),
        ('[hub]\npacks = ["a", "a"]', "hub.packs"),
        ("[extra]\nx = 1", "extra"),
        ('[[tokens]]\ntoken = "t"\nuser = "u"\nrole = "admin"', "tokens[0].role"),
        ('[[tokens]]\ntoken = ""\nuser = "u"\nrole = "cto"', "tokens[0].token"),
        ('[[tokens]]\ntoken = "t"\nuser = "u"\nrole = "cto"\nshell = 1', "tokens[0].shell"),
        (
            '[[tokens]]\ntoken = "t"\nuser = "u"\nrole = "cto"\n'
            '[[tokens]]\ntoken = "t"\nuser = "v"\nrole = "cto"',
            "tokens[1].token",
        ),
        ('[permissions]\n"killswitch.all" = ["cto"]', "permissions.killswitch.all"),
        ('[permissions]\nread = ["root"]', "permissions.read"),
        ('[permissions]\nread = "viewer"', "permissions.read"),
        ("not toml = = =", "not valid TOML"),
        ('[killswitch]\ntwo_person_global = "yes"', "killswitch.two_person_global"),
        ("[killswitch]\ntwo_person_window_s = 0", "killswitch.two_person_window_s"),
        ("[killswitch]\nstop_deadline = 30", "killswitch.stop_deadline"),
        ('[escalation_webhooks]\nlegal = "ftp://x"', "escalation_webhooks.legal"),
        ("[escalation_webhooks]\nlegal = 1", "escalation_webhooks.legal"),
        ("[escalation_delivery]\nmax_attempts = 0", "escalation_delivery.max_attempts"),
        ("[escalation_delivery]\nbackoff = 1", "escalation_delivery.backoff"),
        ("[hub]\ntick_interval_s = -1", "hub.tick_interval_s"),
        ('[hub]\nstore = "redis://x:6379"', "hub.store"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HubConfigError) as refused:
        load_hub_config(path)
    assert str(refused.value).startswith(f"{path}: ")
    assert key in str(refused.value)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HubConfigError, match="cannot read"):
        load_hub_config(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[tokens]]\ntoken = "a"\nuser = "u"\nrole = "cto"\n'
            '[[tokens]]\ntoken = "b"\nuser = "v"\nrole = "boss"',
            "tokens[1].role: 'boss' is not one of 'viewer', 'on-call', 'team-lead', "
            "'incident-commander', 'security-lead', 'cto', 'agent', 'ingest'",
        ),
        (
            '[permissions]\n"killswitch.all" = ["cto"]',
            "permissions.killswitch.all: unknown key (expected one of: read, incident.write, "
            "killswitch.pack, killswitch.global, agent.heartbeat, ingest, silence.write, pii.view)",
        ),
        ('[permissions]\nread = ["root"]', "permissions.read[0]: 'root' is not one of"),
        ("[hub]\nport = true", "hub.port: Expected `int`, got `bool`"),
        ("[hub]\nport = 70000", "hub.port: Expected `int` <= 65535"),
        ('[hub]\npacks = ["ok", "a b"]', "hub.packs[1]: must be a pack name"),
        ('[hub]\npacks = ["a", "b", "a"]', "hub.packs[2]: 'a' is listed twice"),
        ('[hub]\nhost = " "', "hub.host: must not be empty"),
        ('[escalation_webhooks]\nlegal = "ftp://x"', "escalation_webhooks.legal: must be an http"),
        ("[escalation_delivery]\nbackoff = 1", "escalation_delivery.backoff: unknown key"),
        ("[extra]\nx = 1", "extra: unknown key (expected one of: hub, tokens, permissions"),
    ],
)
def test_bad_config_says_what_is_wrong_at_which_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HubConfigError) as refused:
        load_hub_config(path)
    assert str(refused.value).startswith(f"{path}: {message}")


def test_a_token_listed_twice_is_named_by_place_not_by_its_secret(tmp_path: Path) -> None:
    secret = "s3cret-never-printed"
    entry = f'[[tokens]]\ntoken = "{secret}"\nuser = "u"\nrole = "cto"\n'
    path = write(tmp_path, entry + entry)
    with pytest.raises(HubConfigError) as refused:
        load_hub_config(path)
    assert str(refused.value) == f"{path}: tokens[1].token: the same token is listed twice"


def test_the_config_keeps_defaults_for_what_it_does_not_name(tmp_path: Path) -> None:
    config = load_hub_config(write(tmp_path, '[hub]\nport = 9000\ndata_dir = "~/wr"\n'))
    assert (config.port, config.host, config.ring_size) == (9000, "127.0.0.1", 10000)
    assert config.data_dir == Path("~/wr").expanduser()
    assert isinstance(config.heartbeat_interval_s, float)


def test_the_store_names_a_nats_cluster_and_the_replica(tmp_path: Path) -> None:
    urls = "nats://n1:4222,nats://n2:4222,nats://n3:4222"
    path = write(tmp_path, f'[hub]\nstore = "{urls}"\nreplica = "hub-a"')
    config = load_hub_config(path)
    assert (config.store_url, config.replica_name) == (urls, "hub-a")
    assert load_hub_config(write(tmp_path, "")).store_url == ""  # the embedded store
