"""Serving a fake on a loopback port: what every fake of this project shares."""

from __future__ import annotations

from aiohttp import web


class LoopbackServer:
    """An aiohttp application served on 127.0.0.1 (a free port unless given)."""

    def __init__(self) -> None:
        """Prepare an empty application; subclasses add their routes."""
        self.app = web.Application()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 and return the base URL."""
        self._runner = web.AppRunner(self.app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server  # aiohttp has no public accessor
        sockets = getattr(server, "sockets", None) or []
        self.base_url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        return self.base_url

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
