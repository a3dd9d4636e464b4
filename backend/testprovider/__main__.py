"""`python -m backend.testprovider --port 9100`: run the test provider in the foreground."""

from __future__ import annotations

import argparse

import uvicorn

from backend.testprovider.app import create_provider_app


def main() -> None:
    parser = argparse.ArgumentParser(description="OpenAI-compatible test provider")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args()
    uvicorn.run(create_provider_app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
