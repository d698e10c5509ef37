"""Where an answer's shape differs from what the fake serves: keys, key order, types, ids.

The expected shapes are the route table's answers, the documented models of `schemas`, so
`verify`, `snapshot` and the `--upstream` proxy compare against the very definitions the fake
renders through.
"""

import json
from types import NoneType
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from ..schemas import ErrorBody
from .behaviour import DEFAULT, Profile
from .table import route_at

# Ids are strings of digits; other fields ending in _id (facebook_id, push_id) are free text.
ID_FIELDS = frozenset({"id", "avatar_id", "tag_id", "custom_field_id", "sequence_id"})


def kind(value: Any) -> str:
    """How a JSON value reads in a message: `a number (1)`, `an object`, `null`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value[:30]!r})"
    return "an array" if isinstance(value, list) else "an object"


def shape_problems(value: Any, expected: Any, where: str = "body") -> list[str]:
    """Short sentences naming where `value` differs from the `expected` annotation: a model, a
    `list[...]` of them, `str` or `str | None`. Only the first item of an array with problems is
    reported: the others usually repeat them."""
    if get_origin(expected) is list:
        if not isinstance(value, list):
            return [f"{where} is {kind(value)}, not an array"]
        (item,) = get_args(expected)
        for index, element in enumerate(value):
            problems = shape_problems(element, item, f"{where}[{index}]")
            if problems:
                return problems
        return []
    if isinstance(expected, type) and issubclass(expected, BaseModel):
        return _model_problems(value, expected, where)
    if value is None:
        return [] if NoneType in get_args(expected) else [f"{where} is null, not a string"]
    return [] if isinstance(value, str) else [f"{where} is {kind(value)}, not a string"]


def _model_problems(value: Any, model: type[BaseModel], where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where} is {kind(value)}, not an object"]
    expected = list(model.model_fields)
    missing = [key for key in expected if key not in value]
    extra = [key for key in value if key not in model.model_fields]
    problems = []
    if missing:
        problems.append(f"{where} lacks {', '.join(missing)}")
    if extra:
        problems.append(f"{where} has extra {', '.join(extra)}")
    if not missing and not extra and list(value) != expected:
        problems.append(f"{where} keys in another order: {', '.join(value)}")
    for name, field in model.model_fields.items():
        if name not in value:
            continue
        problems += shape_problems(value[name], field.annotation, f"{where}.{name}")
        if name in ID_FIELDS and isinstance(value[name], str) and not value[name].isdigit():
            problems.append(f"{where}.{name} is {kind(value[name])}, not a string of digits")
    return problems


def answer_divergences(
    method: str, path: str, status: int, content_type: str | None, body: bytes, profile: Profile = DEFAULT
) -> list[str]:
    """Where an answer to a SmartEngage request, as it came over the wire, differs from what the
    fake would serve under `profile` (`profile_divergences`); [] if it conforms."""
    if not body and status in (204, 304):
        return [] if status == 304 else [f"status {status}, where the fake answers with a JSON body"]
    if "json" not in (content_type or ""):
        return [f"content type {content_type or 'none'}, not application/json"]
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return ["the body is not JSON"]
    return profile_divergences(method, path, status, document, profile)


def profile_divergences(method: str, path: str, status: int, body: Any, profile: Profile) -> list[str]:
    """Where an answer (its JSON body, already parsed) differs from what the fake serves under
    `profile`: whether the route answers at all, the status of a success, and the shape of the
    answer or of the error body the profile's error_body switch gives; [] if it fits."""
    route = route_at(path)
    served = route is not None and route.served(path, profile) and method in route.methods_under(profile)
    if status < 300:
        if route is None or not served:
            return [f"status {status} on {method} {path}, which the fake does not serve under this profile"]
        wanted = route.success_status(profile)
        problems = [] if status == wanted else [f"status {status}, where the fake answers {wanted}"]
        return problems + shape_problems(body, route.answer)
    return error_body_problems(body, profile)


def error_body_problems(body: Any, profile: Profile) -> list[str]:
    """Where an error body differs from the shape the profile's error_body switch gives it."""
    if profile.follows("error_body", "object"):
        return shape_problems(body, ErrorBody)
    if isinstance(body, dict) and list(body) == ["error"] and isinstance(body["error"], str):
        return []
    return [f"body is {kind(body)}, not {{error: a string}}"]
