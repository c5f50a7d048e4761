"""Version diffs against KL's real history, checked against the raw files read independently."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.diff import diff_releases
from termserver.settings import Settings
from termserver.store import Store

from .conftest import KL_TERM

FILES = {
    ("ffb", "20200908"): "history/2023-02-08-9bbffd6/CodeSystem-FFB.json",
    ("ffb", "20230517"): "history/2023-05-18-bf16321/CodeSystem-FFB.json",
    ("ffb", "20240530"): "CodeSystem-FFB.json",
    ("fsiii", "20200908"): "history/2023-02-08-9bbffd6/CodeSystem-FSIII.json",
    ("fsiii", "20230517"): "history/2023-05-18-bf16321/CodeSystem-FSIII.json",
    ("fsiii", "20230622"): "history/2023-06-22-1b14f5b/CodeSystem-FSIII.json",
    # KL's re-publications of FSIII 20240530, kept under their commit (conftest)
    ("fsiii", "20240530~2d6ca66"): "history/2024-05-30-2d6ca66/CodeSystem-FSIII.json",
    ("fsiii", "20240530~4c6bc7f"): "history/2024-05-31-4c6bc7f/CodeSystem-FSIII.json",
    ("fsiii", "20240530~6af7847"): "history/2024-06-07-6af7847/CodeSystem-FSIII.json",
    ("fsiii", "20240530"): "CodeSystem-FSIII.json",
}
PAIRS = [("ffb", "20200908", "20230517"), ("ffb", "20230517", "20240530"),
         ("ffb", "20200908", "20240530"),
         ("fsiii", "20200908", "20230517"), ("fsiii", "20230517", "20230622"),
         ("fsiii", "20230622", "20240530~2d6ca66"),
         ("fsiii", "20240530~2d6ca66", "20240530~4c6bc7f"),
         ("fsiii", "20240530~4c6bc7f", "20240530~6af7847"),
         ("fsiii", "20240530~6af7847", "20240530"),
         ("fsiii", "20240530", "20200908")]


def raw_table(scheme: str, version: str) -> dict[str, tuple[str | None, str, str]]:
    """code → (parent, display, definition) straight from the published JSON."""
    data = json.loads((KL_TERM / FILES[(scheme, version)]).read_text(encoding="utf-8"))
    out: dict[str, tuple[str | None, str, str]] = {}
    stack = [(None, c) for c in data["concept"]]
    while stack:
        parent, item = stack.pop()
        out[item["code"]] = (parent, item.get("display", ""), item.get("definition", ""))
        stack.extend((item["code"], child) for child in item.get("concept", []))
    return out


@pytest.fixture(scope="module")
def store(history_settings: Settings) -> Store:
    return Store.open(history_settings.data_dir)


@pytest.mark.parametrize(("scheme", "old", "new"), PAIRS)
def test_diff_matches_the_raw_files(store: Store, scheme: str, old: str, new: str) -> None:
    before, after = raw_table(scheme, old), raw_table(scheme, new)
    diff = diff_releases(store.release(scheme, old), store.release(scheme, new))
    assert {c.code for c in diff.added} == set(after) - set(before)
    assert {c.code for c in diff.removed} == set(before) - set(after)
    expected: dict[str, set[str]] = {}
    for code in set(before) & set(after):
        fields = set()
        if before[code][0] != after[code][0]:
            fields.add("parent")
        if before[code][1] != after[code][1]:
            fields.add("label")
        if before[code][2] != after[code][2]:
            fields.add("definition")
        if fields:
            expected[code] = fields
    assert {c.code: {f.field for f in c.fields} for c in diff.changed} == expected


def test_known_facts_of_the_history(store: Store) -> None:
    ffb = diff_releases(store.release("ffb", "20200908"), store.release("ffb", "20240530"))
    assert ffb.removed == []  # FFB has never removed a code
    fsiii = diff_releases(store.release("fsiii", "20230517"), store.release("fsiii", "20230622"))
    assert len(fsiii.removed) == 32
    assert all("individuelt" in c.label() or "på hold" in c.label() for c in fsiii.removed)
    renamed = [c for c in diff_releases(store.release("ffb", "20200908"),
                                         store.release("ffb", "20230517")).changed
               if any(f.field == "label" for f in c.fields)]
    assert any("\xa0" in f.old["da"] for c in renamed for f in c.fields if f.field == "label")


def test_diff_endpoint_and_cli_agree_with_the_function(history_settings: Settings,
                                                       store: Store) -> None:
    client = TestClient(create_app(history_settings))
    body = client.get("/api/v1/schemes/fsiii/diff",
                      params={"from": "20230517", "to": "20230622"}).json()
    direct = diff_releases(store.release("fsiii", "20230517"), store.release("fsiii", "20230622"))
    assert len(body["removed"]) == len(direct.removed) == 32
    assert {c["code"] for c in body["changed"]} == {c.code for c in direct.changed}
    unknown = client.get("/api/v1/schemes/fsiii/diff", params={"from": "1999"})
    assert unknown.status_code == 404


