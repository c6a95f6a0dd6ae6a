"""`livesell demo` end to end: it serves the sandbox and the chat page, the bot answers, and it stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path

import aiohttp

from sandbox.client import SandboxClient
from tests.e2e.harness import ROOT, compile_translations, free_port, livesell
from tests.environment import without_settings


async def test_demo_serves_the_bot_and_the_chat_page_and_stops_on_sigterm(tmp_path: Path) -> None:
    compile_translations()
    port = free_port()
    env = without_settings(os.environ)
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        WEB_PORT=str(free_port()),
    )
    demo = await asyncio.create_subprocess_exec(
        *livesell("demo", "--port", str(port)),
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,  # no terminal: the demo just serves
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert demo.stdout is not None
    output: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not any("livesell demo: open" in line for line in output):
                line = (await demo.stdout.readline()).decode()
                assert line, "the demo exited early:\n" + "".join(output)
                output.append(line)
        url = f"http://127.0.0.1:{port}"
        assert f"open {url}/" in output[-1]

        async with SandboxClient(url) as sandbox:
            sofia = await sandbox.persona(first_name="Sofia", language_code="it", country="IT")
            await sofia.send("/catalog")
            page = await sofia.wait_for_reply(timeout=30)
            if (ROOT / "examples" / "catalog.csv").is_file():
                assert page.buttons and page.body.startswith("Catalogo")  # the demo catalogue, in Italian
        async with aiohttp.ClientSession() as http, http.get(url + "/") as response:
            assert response.status == 200 and "livesell sandbox" in await response.text()

        demo.send_signal(signal.SIGTERM)
        rest = (await asyncio.wait_for(demo.stdout.read(), 30)).decode()
        assert await demo.wait() == 0, rest
        assert "livesell demo stopped." in rest
    finally:
        if demo.returncode is None:
            demo.kill()
            await demo.wait()
