"""Fixture documents as a test hands them to the client or to the pytest plugin's marker: a dict,
or the path of a JSON file holding one. Reading one needs no HTTP client, so the plugin reads a
marker's document without importing httpx."""

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, overload

Fixture = Mapping[str, Any] | str | os.PathLike[str]
"""A fixture document: a dict, or the path of a JSON file holding one."""


@overload
def read_fixture(fixture: Fixture) -> dict[str, Any]: ...
@overload
def read_fixture(fixture: None) -> None: ...
def read_fixture(fixture: Fixture | None) -> dict[str, Any] | None:
    """The document itself: a mapping as it is, a path read as JSON; None stays None."""
    if fixture is None:
        return None
    if isinstance(fixture, Mapping):
        return dict(fixture)
    path = Path(fixture)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{path}: not a JSON document: {error}") from None
    if not isinstance(document, dict):
        raise ValueError(f"{path}: a fixture document must be a JSON object")
    return document
