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
