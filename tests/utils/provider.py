"""Driving the OpenAI-compatible test provider (backend.testprovider) from a test."""

from __future__ import annotations

from typing import Any

import httpx

from backend.testprovider import RunningProvider

TEST_MODEL = "gpt-4o-mini"  # priced by genai-prices, so costs are non-zero and checkable


class ProviderControl:
    """Drive the test provider: queue faults, set latency, read what reached it."""

    def __init__(self, provider: RunningProvider) -> None:
        self.provider = provider
        self._http = httpx.Client(base_url=provider.root_url, timeout=10)

    def close(self) -> None:
        self._http.close()

    def reset(self) -> None:
        self._http.post("/_control/reset").raise_for_status()

    def faults(self, *faults: dict[str, Any]) -> None:
        self._http.post("/_control/faults", json={"faults": list(faults)}).raise_for_status()

    def replies(self, *replies: str) -> None:
        """The next answers' contents, in order (then answers are as configured again)."""
        self._http.post("/_control/replies", json={"replies": list(replies)}).raise_for_status()

    def configure(self, **config: Any) -> None:
        self._http.post("/_control/config", json=config).raise_for_status()

    def streams(self) -> dict[str, int]:
        counts: dict[str, int] = self._http.get("/_control/streams").json()
        return counts

    def requests(self) -> list[dict[str, Any]]:
        received: list[dict[str, Any]] = self._http.get("/_control/requests").json()
        return received

    def max_in_flight(self) -> int:
        """The most requests the provider was answering at once (with latency set)."""
        counts: dict[str, int] = self._http.get("/_control/concurrency").json()
        return counts["max_in_flight"]

    def usages(self) -> list[dict[str, int] | None]:
        """The usage block the provider answered to each request, in order."""
        sent: list[dict[str, int] | None] = self._http.get("/_control/usage").json()
        return sent
