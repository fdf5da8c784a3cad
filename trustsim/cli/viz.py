"""``trustsim viz [SCENARIO.yaml] [--port P] [--host H]``: serve the classroom view.

Kept free of web imports so that ``trustsim --help`` stays fast; the server starts only when
the command runs.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from trustsim.cli.status import EXIT_INPUT_ERROR
from trustsim.experiments import sizing
from trustsim.experiments.file import load_experiment
from trustsim.viz.address import WILDCARDS, AddressError, network_urls

COMMAND = "viz"
DEFAULT_PORT = 8765


def add_command(commands: Any) -> None:
    """Add the ``viz`` sub-command to an argparse sub-parser collection."""
    viz = commands.add_parser(
        COMMAND,
        help="open the interactive classroom view in the browser",
        description="Serve the interactive classroom view (Mesa SolaraViz) and print its URL.",
    )
    viz.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        metavar="SCENARIO.yaml",
        help="scenario to start with (default: scenarios/baseline.yaml of this checkout)",
    )
    viz.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT}; 0 = any)"
    )
    viz.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default 127.0.0.1: this computer only)",
    )


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def run(args: argparse.Namespace) -> int:
    """Validate the scenario, start the server, print the URL, serve until interrupted."""
    scenario: Path | None = args.scenario
    if scenario is not None:  # a bad or too large file stops here with exit status 2
        sizing.check(sizing.for_model(load_experiment(scenario)), str(scenario))
    try:
        from trustsim.viz import server
    except ImportError as error:  # pragma: no cover - only without the viz dependencies
        print(
            f"trustsim viz: error: {error.name} is not installed; "
            "install the viz extra: pip install 'trustsim[viz]'",
            file=sys.stderr,
        )
        return EXIT_INPUT_ERROR
    try:
        process, url = server.start(scenario, host=args.host, port=args.port)
    except AddressError as error:
        print(f"trustsim viz: error: {error}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except RuntimeError as error:
        print(f"trustsim viz: error: {error}", file=sys.stderr)
        return 1
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        print(f"trustsim viz: open {url}  (Ctrl-C to stop)", flush=True)
        if args.host in WILDCARDS:
            port = int(url.rstrip("/").rsplit(":", 1)[1])
            shown = " or ".join(network_urls(args.host, port))
            print(f"trustsim viz: on this network, students open {shown}", flush=True)
        process.wait()
        return 0 if process.returncode in (0, -signal.SIGTERM) else 1
    except KeyboardInterrupt:
        print("trustsim viz: stopped", file=sys.stderr)
        return 0
    finally:
        server.stop(process)
        signal.signal(signal.SIGTERM, previous)
