"""`retention-bot run` as a process of its own, its log in a file: for measuring the
server's memory and log, and for killing it at a chosen moment."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path


class ServerProcess:
    """`retention-bot run` with its log (stderr) in a file, so nothing blocks on a pipe."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
        self.env = {**keep, **env}
        self.cwd = cwd
        self.log = cwd / "run.log"
        self.process: asyncio.subprocess.Process | None = None
        self.port: int | None = None

    async def start(self, components: int = 5) -> None:
        with self.log.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                str(Path(sys.executable).parent / "retention-bot"),
                "run",
                env=self.env,
                cwd=self.cwd,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
            )
        assert self.process.stdout is not None
        for _ in range(components):
            line = (await asyncio.wait_for(self.process.stdout.readline(), 60)).decode()
            assert line, f"run exited early: {self.log.read_text()}"
            found = re.match(r"http: started \(http://127\.0\.0\.1:(\d+) ", line)
            if found:
                self.port = int(found.group(1))
        assert self.port is not None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def memory(self) -> int:
        """Peak resident memory so far (VmHWM), in bytes."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        assert found, status
        return int(found.group(1)) * 1024

    def log_size(self) -> int:
        return self.log.stat().st_size

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no draining, as a crash or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
