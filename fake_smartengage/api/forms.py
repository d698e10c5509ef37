"""Request parameters: reading them from any body SmartEngage clients send, and checking them.

Parameters come from the query string and the body together (clients of PHP APIs mix the two).
Bodies may be application/x-www-form-urlencoded, multipart/form-data or application/json.
Array parameters arrive in three spellings that all mean the same:

    tags[]=1&tags[]=2      tags=1&tags=2      tags[0]=1&tags[1]=2   (PHP's http_build_query)

A `FormSpec` lists a route's parameters once; it both checks them (from the pairs
`parse_parameters` read) and is the source of the route's OpenAPI description.
"""

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl

from python_multipart import parse_form
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import Field, File

from .. import errors
from ..parameter_keys import PARAMETER_KEY
from ..validation import EMAIL_PATTERN, MAX_EMAIL_LENGTH, MAX_ID, as_id

MAX_FIELDS = 1000


# A JSON value that is no string or number: refused if it is a parameter's, ignored otherwise,
# like any unknown parameter.
class _NotText(str):
    pass


NOT_TEXT = _NotText("<not a string or a number>")
# A request's parameters, (key, value) in the order sent.
Parameters = list[tuple[str, str]]
_INDEX = re.compile(r"[0-9]{1,9}")
_CHARSET = re.compile(r';\s*charset\s*=\s*"?([^";\s]+)', re.IGNORECASE)

Kind = Literal["id", "email", "text"]
_NONE: tuple[tuple[str | None, str], ...] = ()  # the entries of a parameter not sent


@dataclass(frozen=True)
class FormField:
    name: str
    description: str
    kind: Kind = "text"
    required: bool = False
    array: bool = False
    # An empty scalar counts as not sent, except where an empty string is a meaningful value.
    blank_allowed: bool = False


class FormSpec:
    def __init__(
        self, *fields: FormField, paired: tuple[str, str] | None = None, one_of_required: tuple[str, ...] = ()
    ) -> None:
        self.fields = {field.name: field for field in fields}
        self.paired = paired
        # Fields of which at least one must be sent; the store checks it, the document states it.
        self.one_of_required = one_of_required

    def parse(
        self, parameters: Parameters, *, optional: frozenset[str] = frozenset(), strict: bool = False
    ) -> dict[str, Any]:
        """Checked values by name: an int for ids, a list for arrays, None when not sent.

        `optional` names required fields that may be left out this time; `strict` refuses a
        parameter no field takes, which is otherwise ignored (the unknown_parameters switch)."""
        entries: dict[str, list[tuple[str | None, str]]] = {}
        for key, value in parameters:
            name, index = key, None
            if "[" in key or "]" in key:
                match = PARAMETER_KEY.fullmatch(key)
                name, index = (match["name"], match["index"]) if match else (key, None)
            if name not in self.fields:
                if strict:
                    raise errors.unknown_param(name)
                continue
            if isinstance(value, _NotText):
                raise errors.not_text(name)
            if "\x00" in value:
                raise errors.malformed_request("parameter values may not contain NUL characters")
            if not value.isascii() and not _is_unicode(value):
                raise errors.lone_surrogate(name)
            entries.setdefault(name, []).append((index, value))
        arrays: dict[str, dict[int, str]] = {}
        values: dict[str, Any] = {}
        for name, field in self.fields.items():
            sent = entries.get(name, _NONE)
            if field.array:
                arrays[name] = _array(field, sent) if sent else {}
                values[name] = list(arrays[name].values())
            elif sent or (field.required and name not in optional):
                values[name] = _scalar(field, sent)
            else:  # most of a route's parameters, most of the time
                values[name] = None
        if self.paired:
            first, second = self.paired
            if arrays[first].keys() != arrays[second].keys():
                raise errors.unpaired_arrays(first, second)
        return values

    def openapi_parameters(self) -> list[dict]:
        """The fields as query parameters, for GET routes."""
        return [
            {
                "name": field.name,
                "in": "query",
                "required": field.required,
                "description": field.description,
                "schema": _schema(field),
            }
            for field in self.fields.values()
        ]

    def openapi_body(self) -> dict:
        """The fields as a request body in each accepted content type, for POST routes."""
        form_schema = {"schema": self._body_schema(json=False)}
        encoding = {
            _wire_name(field): {"style": "form", "explode": True} for field in self.fields.values() if field.array
        }
        if encoding:
            form_schema["encoding"] = encoding
        return {
            "required": any(field.required for field in self.fields.values()) or bool(self.one_of_required),
            "content": {
                "application/x-www-form-urlencoded": form_schema,
                "multipart/form-data": form_schema,
                "application/json": {"schema": self._body_schema(json=True)},
            },
        }

    def _body_schema(self, *, json: bool) -> dict:
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {
                _wire_name(field): {**_schema(field, json=json), "description": field.description}
                for field in self.fields.values()
            },
            "required": [_wire_name(field) for field in self.fields.values() if field.required],
        }
        if self.one_of_required:
            schema["anyOf"] = [
                {"required": [name], "properties": {name: {"type": ["string", "number"], "minLength": 1}}}
                for name in self.one_of_required
            ]
        return schema


# A text with no NUL character, which no parameter may hold.
_NO_NUL = "^[^\\u0000]*$"


def as_sent(parameters: Parameters) -> dict[str, str | list[str]]:
    """By name as sent: a string, or a list for a name sent more than once or ending in []."""
    sent: dict[str, str | list[str]] = {}
    for key, value in parameters:
        previous = sent.get(key)
        if isinstance(previous, list):
            previous.append(value)
        elif previous is not None:
            sent[key] = [previous, value]
        else:
            sent[key] = [value] if key.endswith("[]") else value
    return sent


def _is_unicode(value: str) -> bool:
    """False for a string with a lone surrogate, which JSON's \\ud800 escapes can make and
    which is no text: nothing could store it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _wire_name(field: FormField) -> str:
    return f"{field.name}[]" if field.array else field.name


def _schema(field: FormField, *, json: bool = False) -> dict:
    """What the field accepts. A JSON body may also hold a number where text is expected (it is
    read as its text), and null for a parameter (read as not sent)."""
    item: dict[str, Any]
    if field.kind == "id":
        item = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    elif field.kind == "email":  # an empty one counts as not sent
        item = {"type": "string", "maxLength": MAX_EMAIL_LENGTH, "pattern": f"^(?:{EMAIL_PATTERN})?$"}
    else:
        item = {"type": ["string", "number"] if json else "string", "pattern": _NO_NUL}
        if field.required and not field.blank_allowed:  # an empty optional one counts as not sent
            item["minLength"] = 1
    schema = {"type": "array", "items": item} if field.array else item
    if json and not field.required:
        schema = {"anyOf": [schema, {"type": "null"}]}
    return schema


def _scalar(field: FormField, entries: Sequence[tuple[str | None, str]]) -> Any:
    if len(entries) > 1:
        raise errors.repeated_param(field.name)
    if entries and entries[0][0] is not None:
        raise errors.not_scalar(field.name)
    value = entries[0][1] if entries else None
    if value == "" and not field.blank_allowed:
        value = None
    if value is None:
        if field.required:
            raise errors.missing_param(field.name)
        return None
    if field.kind == "id":
        number = as_id(value, whole_decimal=True)
        if number is None:
            raise errors.invalid_id(field.name)
        return number
    return value


def _array(field: FormField, entries: Sequence[tuple[str | None, str]]) -> dict[int, str]:
    """The array's values by index: positional spellings count 0, 1, 2...; indexed ones keep theirs."""
    positional = [value for index, value in entries if not index]
    indexed = [(index, value) for index, value in entries if index]
    if positional and indexed:
        raise errors.invalid_array(field.name, "mixes indexed and unindexed values")
    if positional:
        return dict(enumerate(positional))
    by_index: dict[int, str] = {}
    for index, value in indexed:
        if not _INDEX.fullmatch(index):
            raise errors.invalid_array(field.name, f"index {index!r} is not a number")
        if int(index) in by_index:
            raise errors.invalid_array(field.name, f"index {index} appears twice")
        by_index[int(index)] = value
    return dict(sorted(by_index.items()))


def parse_parameters(query: bytes, content_type: str, body: bytes) -> Parameters:
    """Query string and body parameters, in the order sent."""
    parameters = _parse_urlencoded(query, "query string")
    if body:
        parameters += _parse_body(content_type, body)
    return parameters


def _parse_body(content_type: str, body: bytes) -> Parameters:
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == "application/x-www-form-urlencoded":
        return _parse_urlencoded(body, "body", content_type)
    if media_type == "multipart/form-data":
        return _parse_multipart(content_type, body)
    if media_type == "application/json" or media_type.endswith("+json"):
        return _parse_json(body, content_type)
    raise errors.unsupported_media_type(content_type or "(none)")


def _parse_urlencoded(raw: bytes, where: str, content_type: str = "") -> Parameters:
    if not raw:
        return []
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise _not_utf8(where, content_type) from None
    except ValueError:  # parse_qsl's "Max number of fields exceeded"
        raise errors.malformed_request(f"the {where} has more than {MAX_FIELDS} fields") from None


def _parse_multipart(content_type: str, body: bytes) -> Parameters:
    # python-multipart directly rather than Starlette's form parser: that one decodes invalid
    # UTF-8 as Latin-1 without a word, where the other body types answer 400.
    fields: list[Field] = []
    files: list[File] = []
    headers = {"Content-Type": content_type.encode("latin-1"), "Content-Length": str(len(body)).encode()}
    try:
        parse_form(headers, io.BytesIO(body), fields.append, files.append)
    except FormParserError as error:
        raise errors.malformed_request(f"the multipart body cannot be parsed: {error}") from None
    # A part without a name is refused above; the field types still allow None for one.
    if files:
        raise errors.malformed_request(
            f"field {(files[0].field_name or b'').decode(errors='replace')} is a file; send text values"
        )
    if len(fields) > MAX_FIELDS:
        raise errors.malformed_request(f"the body has more than {MAX_FIELDS} fields")
    try:
        return [((field.field_name or b"").decode("utf-8"), (field.value or b"").decode("utf-8")) for field in fields]
    except UnicodeDecodeError:
        raise _not_utf8("body", content_type) from None


def _not_utf8(where: str, content_type: str) -> errors.ApiError:
    """Bodies are read as UTF-8 whatever charset they declare: a client that declared another
    is told so, rather than only that its body is not UTF-8."""
    declared = _CHARSET.search(content_type)
    if declared and declared[1].lower().replace("-", "") != "utf8":
        return errors.malformed_request(
            f"the {where} is not valid UTF-8 (its charset={declared[1]} is not supported: send UTF-8)"
        )
    return errors.malformed_request(f"the {where} is not valid UTF-8")


def _parse_json(body: bytes, content_type: str) -> Parameters:
    try:
        document = json.loads(body)
    except UnicodeDecodeError:  # json reads UTF-8, or UTF-16 or UTF-32 by their first bytes
        raise _not_utf8("body", content_type) from None
    except (ValueError, RecursionError) as error:  # also too deep, or numbers too long to convert
        raise errors.malformed_request(f"the body is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise errors.malformed_request("a JSON body must be an object")
    parameters: list[tuple[str, str]] = []
    for key, value in document.items():
        if isinstance(value, list):
            name = key if key.endswith("[]") else f"{key}[]"
            parameters.extend((name, _json_scalar(item)) for item in value)
        elif value is not None:
            parameters.append((key, _json_scalar(value)))
    if len(parameters) > MAX_FIELDS:
        raise errors.malformed_request(f"the body has more than {MAX_FIELDS} fields")
    return parameters


def _json_scalar(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return NOT_TEXT
    return str(value)
