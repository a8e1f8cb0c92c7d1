"""``warroom hub`` (the ops hub in the foreground) and ``warroom demo`` (a hub with its
simulator, and the console against it); the hub's log and its generated token.

Nothing here imports Textual: ``warroom hub`` runs on servers with no terminal
to draw on. ``warroom demo`` loads it through :func:`tui.cli.console.run_console`.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services.console.settings import SettingsError, load_settings
from services.domain.redaction import redact
from services.domain.textsafe import make_visible
from services.ops.outcome import ExitCode
from tui.cli.console import run_console

if TYPE_CHECKING:
    from services.hub.config import HubConfig


class SafeFormatter(logging.Formatter):
    """Log lines quote titles, reasons, names and notes people sent: never let one be an
    escape, and never let it carry PII or a secret (categories A and B redacted, as on
    every screen; a log outlives the incident and is read by more people)."""

    def format(self, record: logging.LogRecord) -> str:
        return make_visible(redact(super().format(record)), keep_newlines=True)


def setup_logging(filename: Path | None = None) -> None:
    """The hub's log, to stderr or a file, escapes made visible."""
    handler: logging.Handler = (
        logging.FileHandler(filename) if filename else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(SafeFormatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    # httpx logs every request at INFO: one line a heartbeat would bury the hub's own log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``demo`` and ``hub`` on ``warroom``'s subparsers."""
    demo = sub.add_parser("demo", help="a hub with its simulator, and the console against it")
    demo.add_argument("--scenario", default="demo", help="calm, runaway, pii-leak, storm, demo")
    demo.add_argument("--seed", type=int, default=0, help="makes the scenario repeatable")
    demo.add_argument(
        "--redact",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="category B PII redacted on screen (the default)",
    )

    hub = sub.add_parser("hub", help="run the ops hub in the foreground")
    hub.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    hub.add_argument("--port", type=int, default=None, help="port (default 8080)")
    hub.add_argument("--data", type=Path, default=None, help="folder for the hub's files")
    hub.add_argument("--config", type=Path, default=None, help="hub config (TOML)")
    hub.add_argument("--simulate", metavar="SCENARIO", default=None, help="run the simulator")
    hub.add_argument(
        "--alertmanager",
        metavar="URL",
        action="append",
        default=None,
        help="pull alerts and silences from this Alertmanager (repeat for an HA pair)",
    )
    hub.add_argument("--seed", type=int, default=0, help="simulator seed")
    hub.add_argument(
        "--store",
        metavar="NATS_URLS",
        default=None,
        help="run as one replica of a cluster on NATS JetStream: nats://HOST:PORT[,…]"
        " (default: the embedded store in --data)",
    )
    hub.add_argument("--name", default=None, help="this replica's name (default HOST:PORT)")
    hub.add_argument(
        "--recover",
        action="store_true",
        help="start from the last good generation of a corrupt store (says what is lost)",
    )


def _simulator_factory(config: HubConfig, scenario: str, seed: int) -> Any:
    from services.simulator.simulator import Simulator

    agent = _token_for(config, "agent")
    ingest = _token_for(config, "ingest")

    async def run(base_url: str) -> None:
        await Simulator(base_url, agent, ingest, scenario=scenario, seed=seed).run()

    # Build one now so that an unknown scenario is refused before the hub starts.
    Simulator("http://127.0.0.1", agent, ingest, scenario=scenario, seed=seed)
    return run


def _token_for(config: HubConfig, role: str) -> str:
    for entry in config.tokens:
        if entry.role == role:
            return entry.token
    raise SettingsError(f"the hub config has no token with role {role!r}")


def _with_service_tokens(config: HubConfig) -> HubConfig:
    """Add generated agent and ingest tokens for an in-process simulator when missing."""
    from services.hub.config import TokenEntry

    tokens = list(config.tokens)
    roles = {entry.role for entry in tokens}
    for role, user in (("agent", "simulated-agents"), ("ingest", "simulated-alertmanager")):
        if role not in roles:
            tokens.append(TokenEntry(token=new_token(), user=user, role=role))
    return replace(config, tokens=tokens)


def new_token() -> str:
    """A random token that never starts with ``-`` (it would read as a flag on a command line)."""
    while True:
        token = secrets.token_urlsafe(24)
        if not token.startswith("-"):
            return token


def generated_token(data_dir: Path) -> tuple[str, Path]:
    """The token a hub without a config makes for its user, kept in its data folder.

    A restarted hub must accept the consoles it already served: a new token on
    every start would lock them out, with their journalled notes undelivered.
    """
    from storage.files import write_text_atomic

    path = Path(data_dir) / "console-token"
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token, path
    token = new_token()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, token + "\n")
    path.chmod(0o600)
    return token, path


def run_hub(args: argparse.Namespace) -> int:
    """``warroom hub``: serve until interrupted."""
    from services.domain.runbook import RunbookError
    from services.hub.config import (
        HubConfig,
        HubConfigError,
        TokenEntry,
        load_hub_config,
        load_runbook_file,
    )
    from services.hub.server import BindError, run_foreground
    from services.simulator.simulator import PACKS, ScenarioError
    from storage.atomic import CorruptFile
    from storage.folder_lock import FolderLocked

    setup_logging()
    try:
        config = load_hub_config(args.config) if args.config else HubConfig(packs=list(PACKS))
        load_runbook_file(config.runbook_path)  # refused at start, naming the file and key
    except (HubConfigError, RunbookError) as error:
        print(f"warroom hub: {error}", file=sys.stderr)
        return ExitCode.REFUSED
    overrides: dict[str, Any] = {}
    if args.host:
        overrides["host"] = args.host
    if args.port is not None:
        overrides["port"] = args.port
    if args.data:
        overrides["data_dir"] = args.data
    if args.alertmanager:
        overrides["alertmanagers"] = [*config.alertmanagers, *args.alertmanager]
    if args.recover:
        overrides["recover"] = True
    if args.store:
        overrides["store_url"] = args.store
    if args.name:
        overrides["replica_name"] = args.name
    config = replace(config, **overrides)
    if not any(entry.role not in ("agent", "ingest") for entry in config.tokens):
        # A hub with no person's token is of no use: make one (kept across restarts) and say it.
        user = getpass.getuser()
        token, path = generated_token(config.data_dir)
        config = replace(
            config,
            tokens=[*config.tokens, TokenEntry(token=token, user=user, role="incident-commander")],
        )
        # The token itself never reaches a log or a terminal's scrollback: say where it is.
        print(
            f"warroom hub: the console token for {user} (incident-commander) is in {path}"
            f' (readable by you only): warroom --token "$(cat {path})"',
            file=sys.stderr,
        )
    background = None
    if args.simulate:
        config = _with_service_tokens(config)
        try:
            background = _simulator_factory(config, args.simulate, args.seed)
        except ScenarioError as error:
            print(f"warroom hub: {error}", file=sys.stderr)
            return ExitCode.REFUSED
    # The hub logs "listening on …" once the port is really bound, not before.
    try:
        run_foreground(config, background=background)
    except BindError as error:
        print(f"warroom hub: {error.strerror}", file=sys.stderr)
        return ExitCode.REFUSED
    except (CorruptFile, FolderLocked) as error:
        # Refusing to start is the safe answer: say why and what to do.
        print(f"warroom hub: not started: {error}", file=sys.stderr)
        return ExitCode.REFUSED
    return ExitCode.OK


def run_demo(args: argparse.Namespace) -> int:
    """``warroom demo``: a hub with its simulator on a free loopback port, and the console."""
    from services.hub.config import HubConfig, TokenEntry
    from services.hub.server import HubServer
    from services.simulator.simulator import PACKS, ScenarioError

    folder = Path(tempfile.mkdtemp(prefix="warroom-demo-"))
    # The hub shares the terminal with the console: its logs go to a file, not the screen.
    setup_logging(folder / "hub.log")
    token = new_token()
    user = os.environ.get("USER") or getpass.getuser()
    config = HubConfig(
        host="127.0.0.1",
        port=0,
        data_dir=folder / "hub",
        packs=list(PACKS),
        tokens=[TokenEntry(token=token, user=user, role="incident-commander")],
    )
    config = _with_service_tokens(config)
    try:
        background = _simulator_factory(config, args.scenario, args.seed)
    except ScenarioError as error:
        print(f"warroom demo: {error}", file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)
        return ExitCode.REFUSED
    server = HubServer(config, background=background)
    try:
        url = server.start()
        settings = load_settings(
            None,
            env={},
            hub_url=url,
            token=token,
            redact=args.redact,
            data_dir=folder / "console",
        )
        return run_console(settings)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


RUNNERS: dict[str, Callable[[argparse.Namespace], int]] = {"hub": run_hub, "demo": run_demo}
