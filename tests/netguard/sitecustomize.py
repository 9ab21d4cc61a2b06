"""Loaded by every Python process the offline test starts (on PYTHONPATH): an audit hook that
writes each DNS lookup or connect to a non-loopback address to $RAG_NET_LOG, one line each."""

import os
import sys

_LOG = os.environ.get("RAG_NET_LOG")
_LOCAL = {None, "", "localhost", "127.0.0.1", "::1", "0.0.0.0", "::"}


def _loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    return host in _LOCAL or (isinstance(host, str) and (host.startswith("127.") or host.endswith(".localhost")))


def _note(event: str, target) -> None:
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {event} {target!r}\n")


def _hook(event: str, args) -> None:
    if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr"):
        if not _loopback(args[0]):
            _note(event, args[0])
    elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        address = args[1] if len(args) > 1 else None
        if isinstance(address, tuple) and address and not _loopback(address[0]):
            _note(event, address)


if _LOG:
    sys.addaudithook(_hook)
