"""Signing staff in over HTTP: the one place tests do it, so a change to the log-in (two-factor) changes it once."""

from __future__ import annotations

import httpx


def sign_in(client: object, email: str, password: str) -> httpx.Response:
    """Sign a staff member in with `client` (a tests.conftest.Browser); returns the final POST's response."""
    client.get("/auth/login")  # type: ignore[attr-defined]
    return client.post("/auth/login", {"email": email, "password": password})  # type: ignore[attr-defined]
