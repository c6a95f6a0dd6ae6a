"""Who this bot process is, in the claims it writes (updates taken, job leases): host, process id and a random tag,
so a restarted process with a reused pid is not taken for the one that died."""

from __future__ import annotations

import os
import secrets
import socket

_names: dict[int, str] = {}


def instance_name() -> str:
    """This process's name, made on first use in each process (a forked worker gets its own)."""
    pid = os.getpid()
    if pid not in _names:
        _names[pid] = f"{socket.gethostname()[:40]}:{pid}:{secrets.token_hex(4)}"
    return _names[pid]


def gone(name: str) -> bool:
    """Whether the process named `name` is known to have ended: one of this host whose pid no longer runs. (A pid
    reused by another process reads as alive: its claims then wait to go stale instead, the safe side.)"""
    host, _, rest = name.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:40] or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False
