"""A benchmark's sandbox in a child process, so the bot and Telegram's side do not share one interpreter: the child
prints its URL as the first line, then answers each command line with one JSON line."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

# The child's answers can be long (the send time of every buyer, ~25 bytes each): asyncio's default line limit of
# 64 KiB is passed from about 2,500 buyers.
ANSWER_BYTES = 64 * 1024 * 1024


class Child:
    """The child process, commanded one line at a time."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def ask(self, command: str) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{command}\n".encode())
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox process ended")
        return json.loads(line)


@asynccontextmanager
async def child_process(script: str, *arguments: str) -> AsyncIterator[tuple[str, Child]]:
    """Runs `script` with `arguments`; yields the URL it printed first and the child to command. Closing its stdin
    tells it to stop; one that does not within 10 s is killed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, script, *arguments, stdin=subprocess.PIPE, stdout=subprocess.PIPE, limit=ANSWER_BYTES
    )
    try:
        assert process.stdout is not None
        url = json.loads(await process.stdout.readline())
        yield url, Child(process)
    finally:
        if process.returncode is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
