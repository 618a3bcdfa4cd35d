"""`python -m survey.checks services|pg-url URL`: used by `make test` to find PostgreSQL and Redis.

In CI (CI=true) a service that does not answer fails the run; locally it is reported and the tests that need it
say so themselves.
"""

from __future__ import annotations

import os
import socket
import sys

SERVICES = {"PostgreSQL": ("127.0.0.1", 5432), "Redis": ("127.0.0.1", 6379)}


def answers(host: str, port: int) -> bool:
    """Whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def main(argv: list[str]) -> int:
    """Check the services, or print the PostgreSQL URL when it answers."""
    ci = os.environ.get("CI", "").lower() == "true"
    if argv[:1] == ["pg-url"]:
        print(argv[1] if answers(*SERVICES["PostgreSQL"]) else "")
        return 0
    missing = [name for name, address in SERVICES.items() if not answers(*address)]
    for name in missing:
        print(f"{name} does not answer on {SERVICES[name][0]}:{SERVICES[name][1]}", file=sys.stderr)
    if missing and ci:
        print("CI=true: the suite needs every service; failing.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
