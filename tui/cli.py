"""The ``warroom`` command.

``warroom`` runs the console; ``warroom demo`` a hub with its simulator and the
console against it; ``warroom hub`` the hub alone; ``warroom health`` checks a
hub. Textual is imported only by the commands that draw a screen, so the
others keep working on a box where the console cannot start.
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
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services.console.settings import ConsoleSettings, SettingsError, load_settings
from services.domain.textsafe import make_visible
from services.ops.outcome import Outcome

if TYPE_CHECKING:
    from services.hub.config import HubConfig

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_REFUSED = 2
EXIT_UNREACHABLE = 3


class SafeFormatter(logging.Formatter):
    """Log lines quote reasons, names and notes people sent: never let one be an escape."""

    def format(self, record: logging.LogRecord) -> str:
        return make_visible(super().format(record), keep_newlines=True)


def _setup_logging(filename: Path | None = None) -> None:
    """The hub's log, to stderr or a file, escapes made visible."""
    handler: logging.Handler = (
        logging.FileHandler(filename) if filename else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(SafeFormatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    # httpx logs every request at INFO: one line a heartbeat would bury the hub's own log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def _console_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hub", metavar="URL", help="the hub's URL (env WARROOM_HUB)")
    parser.add_argument("--token", metavar="TOKEN", help="bearer token (env WARROOM_TOKEN)")
    parser.add_argument("--config", metavar="FILE", type=Path, help="console config file")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warroom",
        description="Incident-response console for AgentOS, and its ops hub.",
    )
    _console_flags(parser)
    parser.add_argument("--redact", action="store_true", default=None, help="redact PII on screen")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="a hub with its simulator, and the console against it")
    demo.add_argument("--scenario", default="demo", help="calm, runaway, pii-leak, storm, demo")
    demo.add_argument("--seed", type=int, default=0, help="makes the scenario repeatable")
    demo.add_argument("--redact", action="store_true", default=None, help="redact PII on screen")

    hub = sub.add_parser("hub", help="run the ops hub in the foreground")
    hub.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    hub.add_argument("--port", type=int, default=None, help="port (default 8080)")
    hub.add_argument("--data", type=Path, default=None, help="folder for the hub's files")
    hub.add_argument("--config", type=Path, default=None, help="hub config (TOML)")
    hub.add_argument("--simulate", metavar="SCENARIO", default=None, help="run the simulator")
    hub.add_argument("--seed", type=int, default=0, help="simulator seed")

    health = sub.add_parser("health", help="check a hub: exit 0 when healthy")
    health.add_argument("--hub", metavar="URL", help="the hub's URL (env WARROOM_HUB)")

    stop = sub.add_parser(
        "stop",
        help="kill switch from the command line (exit 0 applied, 2 refused, 3 unreachable)",
    )
    enable = sub.add_parser("enable", help="re-enable a pack or the global switch")
    for command, verb in ((stop, "stop"), (enable, "re-enable")):
        _console_flags(command)
        target = command.add_mutually_exclusive_group(required=True)
        target.add_argument("--pack", metavar="NAME", help=f"{verb} one pack")
        target.add_argument("--global", dest="global_", action="store_true", help=f"{verb} all")
        if command is stop:
            target.add_argument("--status", action="store_true", help="show every switch")
        command.add_argument("--reason", metavar="TEXT", help="why (required to stop)")
        command.add_argument("--incident", metavar="INC-N", help="the incident this is for")
        command.add_argument("--json", action="store_true", help="machine-readable output")
    export = sub.add_parser("export", help="the post-incident document of an incident")
    _console_flags(export)
    export.add_argument("incident", metavar="INC-ID", help="e.g. INC-7")
    export.add_argument("--format", choices=("md", "json"), default="md")
    export.add_argument("--output", "-o", type=Path, help="write to FILE instead of stdout")
    export.add_argument("--no-redact", action="store_true", help="keep PII (the document says so)")
    export.add_argument("--policy", type=Path, help="policy file (retrospective rules)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            return run_demo(args)
        if args.command == "hub":
            return run_hub(args)
        if args.command == "health":
            return run_health(args)
        if args.command in ("stop", "enable"):
            return run_switch(args)
        if args.command == "export":
            return run_export(args)
        settings = load_settings(
            args.config, hub_url=args.hub, token=args.token, redact=args.redact
        )
        return run_console(settings)
    except SettingsError as error:
        print(f"warroom: {error}", file=sys.stderr)
        return EXIT_REFUSED


# -- the console ------------------------------------------------------------
def run_console(settings: ConsoleSettings) -> int:
    from tui.app import WarroomApp  # Textual loads only for the console

    app = WarroomApp(settings)
    app.run()
    return app.return_code or EXIT_OK


# -- the hub ----------------------------------------------------------------
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
            tokens.append(TokenEntry(token=secrets.token_urlsafe(24), user=user, role=role))
    return replace(config, tokens=tokens)


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
    token = secrets.token_urlsafe(24)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, token + "\n")
    path.chmod(0o600)
    return token, path


def run_hub(args: argparse.Namespace) -> int:
    from services.hub.config import HubConfig, HubConfigError, TokenEntry, load_hub_config
    from services.hub.server import run_foreground
    from services.simulator.simulator import PACKS, ScenarioError

    _setup_logging()
    try:
        config = load_hub_config(args.config) if args.config else HubConfig(packs=list(PACKS))
    except HubConfigError as error:
        print(f"warroom hub: {error}", file=sys.stderr)
        return EXIT_REFUSED
    overrides: dict[str, Any] = {}
    if args.host:
        overrides["host"] = args.host
    if args.port is not None:
        overrides["port"] = args.port
    if args.data:
        overrides["data_dir"] = args.data
    config = replace(config, **overrides)
    if not any(entry.role not in ("agent", "ingest") for entry in config.tokens):
        # A hub with no person's token is of no use: make one (kept across restarts) and say it.
        user = getpass.getuser()
        token, path = generated_token(config.data_dir)
        config = replace(
            config,
            tokens=[*config.tokens, TokenEntry(token=token, user=user, role="incident-commander")],
        )
        print(
            f"warroom hub: console token for {user} (incident-commander): {token} (kept in {path})",
            file=sys.stderr,
        )
    background = None
    if args.simulate:
        config = _with_service_tokens(config)
        try:
            background = _simulator_factory(config, args.simulate, args.seed)
        except ScenarioError as error:
            print(f"warroom hub: {error}", file=sys.stderr)
            return EXIT_REFUSED
    print(f"warroom hub: listening on http://{config.host}:{config.port}", file=sys.stderr)
    run_foreground(config, background=background)
    return EXIT_OK


def run_demo(args: argparse.Namespace) -> int:
    """A hub with its simulator on a free loopback port, and the console against it."""
    from services.hub.config import HubConfig, TokenEntry
    from services.hub.server import HubServer
    from services.simulator.simulator import PACKS, ScenarioError

    folder = Path(tempfile.mkdtemp(prefix="warroom-demo-"))
    # The hub shares the terminal with the console: its logs go to a file, not the screen.
    _setup_logging(folder / "hub.log")
    token = secrets.token_urlsafe(24)
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
        return EXIT_REFUSED
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


# -- the kill switch from the command line ------------------------------------
def run_switch(args: argparse.Namespace) -> int:
    """``warroom stop|enable``: the CLI fallback for when the console cannot start."""
    import asyncio

    from services.ops import stop as emergency_stop

    settings = load_settings(args.config, hub_url=args.hub, token=args.token)
    if args.command == "stop" and args.status:
        outcome = asyncio.run(emergency_stop.status(settings.hub_url, settings.token))
    else:
        enabled = args.command == "enable"
        reason = (args.reason or "").strip()
        if not reason and enabled:
            reason = "re-enabled with warroom enable"
        if not reason:
            outcome = Outcome(EXIT_REFUSED, "a stop needs --reason TEXT (it goes in the audit)")
        else:
            outcome = asyncio.run(
                emergency_stop.set_switch(
                    settings.hub_url,
                    settings.token,
                    pack=args.pack,
                    enabled=enabled,
                    reason=reason,
                    incident_id=args.incident,
                )
            )
    if args.json:
        print(outcome.as_json())
    else:
        stream = sys.stdout if outcome.exit_code == EXIT_OK else sys.stderr
        print(outcome.message, file=stream)
    return outcome.exit_code


# -- the post-incident document ---------------------------------------------
def run_export(args: argparse.Namespace) -> int:
    """``warroom export INC-ID``: Markdown (or JSON) to stdout or ``--output``."""
    import asyncio

    from services.domain.policy import PolicyError, load_policy
    from services.domain.timeutil import utcnow
    from services.ops.export import export_incident

    settings = load_settings(args.config, hub_url=args.hub, token=args.token)
    try:
        policy = load_policy(args.policy)
    except PolicyError as error:
        print(f"warroom export: {error}", file=sys.stderr)
        return EXIT_REFUSED
    outcome = asyncio.run(
        export_incident(
            settings.hub_url,
            settings.token,
            args.incident,
            fmt=args.format,
            redact=not args.no_redact,
            policy=policy,
            now=utcnow(),
        )
    )
    if outcome.exit_code != EXIT_OK:
        print(f"warroom export: {outcome.message}", file=sys.stderr)
        return outcome.exit_code
    if args.output:
        from storage.files import write_text_atomic

        write_text_atomic(args.output, outcome.message + "\n")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        print(outcome.message)
    return EXIT_OK


# -- health -----------------------------------------------------------------
def run_health(args: argparse.Namespace) -> int:
    import httpx

    settings = load_settings(None, hub_url=args.hub)
    url = settings.hub_url + "/health"
    try:
        response = httpx.get(url, timeout=5.0)
    except httpx.HTTPError as error:
        print(
            f"warroom health: cannot reach the hub at {settings.hub_url}: {error}. "
            "Is it running? Check --hub / WARROOM_HUB.",
            file=sys.stderr,
        )
        return EXIT_UNREACHABLE
    try:
        body = response.json()
    except ValueError:
        body = {}
    status = body.get("status") if isinstance(body, dict) else None
    if response.status_code == 200 and status == "ok":
        print(
            f"healthy: {settings.hub_url} version {body.get('version')} "
            f"seq {body.get('seq')} hub time {body.get('hub_time')}"
        )
        return EXIT_OK
    print(
        f"warroom health: {settings.hub_url} is unhealthy: HTTP {response.status_code} "
        f"{response.text[:200]!r}",
        file=sys.stderr,
    )
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
