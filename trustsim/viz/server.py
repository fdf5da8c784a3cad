"""Start the classroom view: ``solara run trustsim.viz.app`` in a child process.

The scenario file reaches the app through the environment variable
:data:`SCENARIO_ENV`. Solara's usage telemetry is switched off and the
server listens on the loopback interface unless told otherwise. The address is checked
before the server starts (:mod:`trustsim.viz.address`), the server counts as started only
once the child process itself listens on the port (not whatever else answers there), and
it runs under a watchdog (:mod:`trustsim.system.lifetime`), so it dies with ``trustsim viz`` even
after ``kill -9``. The console stays quiet:
the server's banner ("Solara server is starting at ...") is not shown — ``trustsim viz``
prints its own "open http://..." line — and the UserWarnings of Solara and Mesa (a cookie
notice on every plain-http request, a hook check of Mesa 3.3) are silenced in the server
process; errors still reach the terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from trustsim.system import lifetime
from trustsim.viz.address import AddressError, check_bindable, local_url

#: Environment variable naming the scenario file the app starts with: set here, read by
#: :mod:`trustsim.viz.classroom` in the server. Declared in this module, which imports
#: neither the model nor pandas, so that ``trustsim viz`` refuses a bad ``--host`` or
#: ``--port`` without importing them (about 0.3 s instead of 1.6 s).
SCENARIO_ENV = "TRUSTSIM_VIZ_SCENARIO"
#: Seconds to wait for the server to answer before giving up.
STARTUP_TIMEOUT_S = 60.0
#: Free ports tried for ``--port 0``. The port is free when :func:`start` checks it, but
#: the server binds it only after its imports, seconds later; meanwhile any program's
#: outgoing connection may be given the same port by the kernel (``--port 0`` finds one in
#: the same ephemeral range). Seen once in the test suite, run on two workers.
FREE_PORT_ATTEMPTS = 3
#: Writing end of each server's watchdog pipe, by process id (closed by :func:`stop`).
_watchdogs: dict[int, int] = {}


def server_command(host: str, port: int) -> list[str]:
    """The command line that serves the app."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "trustsim.viz.app",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
        "--log-level",
        "warning",
    ]


#: Warning filters of the server process (``PYTHONWARNINGS`` syntax): Solara's and Mesa's
#: UserWarnings, which say nothing a teacher can act on.
QUIET_WARNINGS = (
    "ignore::UserWarning:solara.server.starlette",
    "ignore::UserWarning:solara.validate_hooks",
    "ignore::UserWarning:solara.server.app",
    "ignore::UserWarning:solara.server.server",
    "ignore::UserWarning:reacton.core",
    # on every page load over plain http to an address other than "localhost" (the
    # session cookie falls back to SameSite=Lax, which the view does not need)
    "ignore:Cookies with samesite=none require https:UserWarning",
)


def server_environment(scenario: Path | None) -> dict[str, str]:
    """The child's environment: ours plus the scenario path, without telemetry, without
    Solara's "This website runs on Solara" banner (it sits over the bottom right chart)
    and with Solara's UserWarnings silenced (:data:`QUIET_WARNINGS`)."""
    environment = dict(os.environ)
    environment["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    environment["SOLARA_THEME_SHOW_BANNER"] = "False"
    inherited = environment.get("PYTHONWARNINGS", "")
    environment["PYTHONWARNINGS"] = ",".join(filter(None, [inherited, *QUIET_WARNINGS]))
    if scenario is not None:
        environment[SCENARIO_ENV] = str(scenario.resolve())
    else:
        environment.pop(SCENARIO_ENV, None)
    return environment


def _bindable(host: str, port: int) -> bool:
    """Whether ``host:port`` can be bound now (:func:`check_bindable` raises no error)."""
    try:
        check_bindable(host, port)
    except AddressError:
        return False
    return True


def _listens(process: subprocess.Popen[bytes], port: int) -> bool:
    """Whether ``process`` itself has a listening socket on ``port``."""
    import psutil

    try:
        sockets = psutil.Process(process.pid).net_connections(kind="inet")
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return any(s.status == psutil.CONN_LISTEN and s.laddr.port == port for s in sockets)


def start(
    scenario: Path | None, host: str = "127.0.0.1", port: int = 8765
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the server and wait until it answers; return the process and the local URL.

    Args:
        scenario: scenario file the app starts with (None: scenarios/classroom.yaml or
            baseline.yaml of this checkout, else built-in defaults).
        host: interface to listen on (default: loopback only).
        port: TCP port; 0 picks a free one.

    When another program takes the port between the check and the server's start, the
    server exits; with ``port`` 0 another free port is tried (:data:`FREE_PORT_ATTEMPTS`
    in all), with a given port that is an :class:`AddressError` too.

    Raises:
        AddressError: the host or port cannot be used.
        RuntimeError: when the server exits or does not answer within
            :data:`STARTUP_TIMEOUT_S` seconds.
    """
    for attempt in range(1, FREE_PORT_ATTEMPTS + 1):
        chosen = check_bindable(host, port)
        try:
            return _start_on(scenario, host, chosen)
        except _PortTaken:
            if port != 0:
                check_bindable(host, port)  # raises the AddressError that names the holder
                raise RuntimeError(f"the web server could not listen on port {port}") from None
            if attempt == FREE_PORT_ATTEMPTS:
                raise RuntimeError(
                    f"the web server could not listen on any of {FREE_PORT_ATTEMPTS} free "
                    "ports: other programs took each before it started"
                ) from None
            print(
                f"trustsim viz: port {chosen} was taken by another program while the web "
                "server started; trying another free port",
                file=sys.stderr,
            )
    raise AssertionError("unreachable")  # pragma: no cover


class _PortTaken(Exception):
    """The server exited without listening, and its port is now held by someone else."""


def _start_on(scenario: Path | None, host: str, port: int) -> tuple[subprocess.Popen[bytes], str]:
    """Start the server on ``port`` (checked free just before) and wait until it answers.

    Raises:
        _PortTaken: the server exited and another program holds the port now.
        RuntimeError: as :func:`start`.
    """
    url = local_url(host, port)
    reader, writer = os.pipe()  # the child exits when this process dies and closes `writer`
    try:
        process = subprocess.Popen(
            lifetime.child_command(server_command(host, port), reader),
            env=server_environment(scenario),
            pass_fds=(reader,),
            stdout=subprocess.DEVNULL,  # Solara's "starting at http://0.0.0.0:..." misleads
        )
    except BaseException:
        os.close(writer)
        raise
    finally:
        os.close(reader)
    _watchdogs[process.pid] = writer
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stop(process)
            if not _bindable(host, port):
                raise _PortTaken(port)
            raise RuntimeError(f"the web server exited with status {process.returncode}")
        if not _listens(process, port):
            time.sleep(0.2)
            continue
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return process, url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"the web server did not answer at {url} within {STARTUP_TIMEOUT_S:.0f} s")


def stop(process: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    """Stop the server started by :func:`start` (terminate, then kill after ``timeout_s``)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    writer = _watchdogs.pop(process.pid, None)
    if writer is not None:
        os.close(writer)
