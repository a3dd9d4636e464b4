"""Small pieces shared by the pure ASGI middleware."""

from __future__ import annotations

from starlette.types import Message, Send


class StartTrackingSend:
    """A `send` that remembers whether the response has started: after that, an error can
    no longer be answered with an error response."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)
