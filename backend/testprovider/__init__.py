"""An OpenAI-compatible test provider (deterministic, fault-injecting) for tests and benches."""

from backend.testprovider.app import create_provider_app
from backend.testprovider.server import RunningProvider, start_provider
from backend.testprovider.state import ProviderState

__all__ = ["ProviderState", "RunningProvider", "create_provider_app", "start_provider"]
