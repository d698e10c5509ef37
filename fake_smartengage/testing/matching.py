"""Journal entries against an expected call: which match, and how the closest others differ.

An expected call is a method, a path (with or without its trailing slash) and, optionally, some
parameters compared with what was sent (the entry's `sent`): as strings, so 123 matches "123",
and arrays by their values whichever way they were spelt (tags[]=a, tags=a, tags[0]=a), so
["a", "b"] matches all three. Parameters not named are not compared.
"""

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..parameter_keys import PARAMETER_KEY

SHOWN_CLOSEST = 3

Params = Mapping[str, Any]
"""Expected parameters: a string or number, or a list of them for an array."""


def _name(key: str) -> str:
    match = PARAMETER_KEY.fullmatch(key)
    return match["name"] if match else key


def _text(value: Any) -> str | list[str]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [str(item) for item in value]
    return str(value)


def expected_params(params: Params) -> dict[str, str | list[str]]:
    return {_name(key): _text(value) for key, value in params.items()}


def sent_params(sent: Mapping[str, Any] | None) -> dict[str, str | list[str]]:
    """An entry's parameters as sent, by name: tags[]=, tags= and tags[0]= all under "tags"."""
    found: dict[str, str | list[str]] = {}
    indexed: dict[str, list[tuple[str, str]]] = {}
    for key, value in (sent or {}).items():
        match = PARAMETER_KEY.fullmatch(key)
        if match is None or match["index"] is None:
            found[key] = value
        else:
            values = value if isinstance(value, list) else [value]
            indexed.setdefault(match["name"], []).extend((match["index"], item) for item in values)
    for name, items in indexed.items():
        if all(index.isdigit() for index, _ in items):
            items.sort(key=lambda item: int(item[0]))
        found[name] = [value for _, value in items]
    return found


def differences(entry: Mapping[str, Any], method: str | None, path: str | None, params: Params | None) -> list[str]:
    """How an entry differs from the expected call; none if it matches."""
    found = []
    if method is not None and entry["method"] != method.upper():
        found.append(f"method {entry['method']}")
    if path is not None and entry["path"].rstrip("/") != path.rstrip("/"):
        found.append(f"path {entry['path']}")
    if params:
        sent = sent_params(entry.get("sent"))
        for name, wanted in expected_params(params).items():
            value = sent.get(name)
            if isinstance(wanted, list) and isinstance(value, str):
                value = [value]
            if value is None:
                found.append(f"{name} not sent")
            elif value != wanted:
                found.append(f"{name} sent {_shown(value)}, not {_shown(wanted)}")
    return found


def calls(
    entries: list[dict[str, Any]], method: str | None, path: str | None, params: Params | None
) -> list[dict[str, Any]]:
    """The entries that match the expected call, in their order."""
    return [entry for entry in entries if not differences(entry, method, path, params)]


def assert_called(
    entries: list[dict[str, Any]], method: str, path: str, params: Params | None, times: int | None
) -> list[dict[str, Any]]:
    """The entries that match, if they are as many as expected (None: at least one); otherwise an
    AssertionError that shows the closest entries. `entries` are a tenant's, oldest first."""
    __tracebackhide__ = True  # pytest shows the failure at the test's line, not here
    matching = calls(entries, method, path, params)
    if (times is None and not matching) or (times is not None and len(matching) != times):
        raise AssertionError(_failure_message(method, path, params, times, entries, matching))
    return matching


def describe(method: str, path: str, params: Params | None) -> str:
    wanted = f"{method.upper()} {path}"
    return f"{wanted} with {_shown(expected_params(params))}" if params else wanted


def _failure_message(
    method: str,
    path: str,
    params: Params | None,
    times: int | None,
    entries: list[dict[str, Any]],
    matching: list[dict[str, Any]],
) -> str:
    """Why an assertion on calls failed, with the requests that were closest to the expected one."""
    expected = "at least once" if times is None else _times(times)
    made = f"it was made {_times(len(matching))}" if matching else "it was not made"
    lines = [f"expected {describe(method, path, params)} to be made {expected}; {made}"]
    if matching:
        lines.append("the matching requests, oldest first:")
        lines += [_line(entry, []) for entry in matching]
    elif not entries:
        lines.append("this tenant made no requests (that the journal still holds)")
    else:
        closest = sorted(reversed(entries), key=lambda entry: _closeness(entry, method, path, params), reverse=True)[
            :SHOWN_CLOSEST
        ]
        lines.append(f"the closest of the {len(entries)} requests this tenant made:")
        lines += [_line(entry, differences(entry, method, path, params)) for entry in closest]
    return "\n".join(lines)


def _closeness(entry: Mapping[str, Any], method: str, path: str, params: Params | None) -> float:
    score = 2 * difflib.SequenceMatcher(None, entry["path"].rstrip("/"), path.rstrip("/")).ratio()
    score += entry["method"] == method.upper()
    if params:
        score += 1 - len(differences(entry, None, None, params)) / len(params)
    return score


def _line(entry: Mapping[str, Any], differs: list[str]) -> str:
    answer = "no answer" if entry["status"] is None else entry["status"]
    if entry.get("fault") is not None:
        answer = f"{answer} (fault {entry['fault']}, {entry.get('fault_kind')})"
    line = f"  {entry['method']} {entry['path']} -> {answer}, sent {_shown(entry.get('sent'))}"
    return f"{line}\n    differs: {'; '.join(differs)}" if differs else line


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")
