"""Where ``trustsim viz`` listens and what address it prints.

:func:`check_bindable` binds the host and port before the web server starts and turns
every way that can fail into one clear message (exit status 2): a host name that does not
resolve, an address that is not this computer's, a port another program holds (the URL
would open someone else's page), a port below 1024 without the right to use it (which is
not "in use"). :func:`urls` gives the addresses to print: for ``--host 0.0.0.0`` (or
``::``) the addresses of this computer's network interfaces, which students can open,
rather than the unroutable ``0.0.0.0``.
"""

from __future__ import annotations

import errno
import ipaddress
import socket

from trustsim.errors import TrustsimError

#: Hosts meaning "every interface".
WILDCARDS = ("0.0.0.0", "::", "")


class AddressError(TrustsimError):
    """``--host`` or ``--port`` cannot be used; the message says why and what to do."""


def check_bindable(host: str, port: int) -> int:
    """Bind ``host:port`` (and release it); return the port, a free one when ``port`` is 0.

    Raises:
        AddressError: naming the option, the value and what to do instead.
    """
    if not 0 <= port <= 65535:
        raise AddressError(f"--port {port}: expected 0..65535 (0 picks a free port)")
    try:
        found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)  # fmt: skip
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressError(
            f"--host {host!r}: not a host name or address this computer can resolve ({exc}); "
            "use 127.0.0.1 (this computer only) or 0.0.0.0 (every network interface)"
        ) from None
    family, kind, protocol, _, address = found[0]
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the web server does
        try:
            probe.bind(address)
        except PermissionError:
            raise AddressError(
                f"--port {port}: permission denied; ports below 1024 need administrator "
                "rights: choose a port from 1024 up, e.g. the default 8765"
            ) from None
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise AddressError(
                    f"--port {port}: another program already listens on {host}:{port}; "
                    "choose another port, or --port 0 for any free one"
                ) from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise AddressError(
                    f"--host {host!r}: not an address of this computer; use 127.0.0.1 (this "
                    "computer only) or 0.0.0.0 (every network interface)"
                ) from None
            raise AddressError(
                f"--host {host!r} --port {port}: cannot listen there ({exc})"
            ) from None
        bound: int = probe.getsockname()[1]
        return bound


def _url(host: str, port: int) -> str:
    try:
        shown = f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:  # a host name
        shown = host
    return f"http://{shown}:{port}/"


def local_url(host: str, port: int) -> str:
    """The URL this computer opens (loopback for a wildcard host)."""
    if host in WILDCARDS:
        return _url("::1" if host == "::" else "127.0.0.1", port)
    return _url(host, port)


def network_urls(host: str, port: int) -> list[str]:
    """For a wildcard host: the URLs of this computer's non-loopback interfaces (IPv4
    first; IPv6 too when listening on ``::``); else the URL of ``host`` itself."""
    if host not in WILDCARDS:
        return [_url(host, port)]
    import psutil

    found: list[str] = []
    families = (socket.AF_INET, socket.AF_INET6) if host == "::" else (socket.AF_INET,)
    for family in families:
        for addresses in psutil.net_if_addrs().values():
            for entry in addresses:
                if entry.family != family:
                    continue
                address = ipaddress.ip_address(entry.address.split("%")[0])
                if address.is_loopback or address.is_link_local or address.is_unspecified:
                    continue
                url = _url(str(address), port)
                if url not in found:
                    found.append(url)
    return found or [_url(socket.gethostname(), port)]
