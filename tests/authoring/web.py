"""Helpers for the tests of the methodologists' pages: log in through the real form, and
read the CSRF token a page's forms carry."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def log_in(client: TestClient, name: str, password: str, next: str = "/redaktion"):
    """Fill in and send the login form; the answer, not followed."""
    form = client.get("/redaktion/login")
    assert form.status_code == 200, form.text
    return client.post("/redaktion/login", data={
        "username": name, "password": password, "csrf": csrf(form.text), "next": next},
        follow_redirects=False)


def signed_in(client: TestClient, name: str, password: str) -> TestClient:
    answer = log_in(client, name, password)
    assert answer.status_code == 303, answer.text
    return client
