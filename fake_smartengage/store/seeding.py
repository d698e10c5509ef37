"""Fixture documents: their format, reading them from files, and checking them before loading.

A fixture document is JSON:

    {"format": 1, "fake_smartengage": "0.1.0", "description": "...",
     "accounts": [{"api_key": "...", "avatars": [{"avatar_id": 1, ..., "tags": [...],
      "custom_fields": [...], "sequences": [...], "subscribers": [...]}]}]}

`format` and `fake_smartengage` stamp exported documents; hand-written ones may leave them out.
Errors are told in the document's terms (no validator wording), naming the entry.

Ids are explicit. List order is display order, newest first, as the API lists them. A
subscriber's own tags, custom field values and sequences are listed in the order they were
attached. Anything that refers to a missing item fails with the file and the entry named.
"""

import difflib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, create_model, field_validator

from .. import __version__
from ..settings import bundled_fixtures
from ..validation import JSON_INTEGER, MAX_ID, is_valid_email
from .columns import AVATAR_DETAILS, SUBSCRIBER_DETAILS
from .exceptions import FixtureError

Id = Annotated[int, Field(ge=1, le=MAX_ID), JSON_INTEGER]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TagSeed(_Strict):
    tag_id: Id
    tag_name: NonEmpty


class CustomFieldSeed(_Strict):
    custom_field_id: Id
    custom_field_name: NonEmpty


class SequenceSeed(_Strict):
    sequence_id: Id
    sequence_name: NonEmpty


class FieldValueSeed(_Strict):
    custom_field_id: Id
    custom_value: str


class SequenceStatusSeed(_Strict):
    sequence_id: Id
    status: NonEmpty


def _valid_email(value: str | None) -> str | None:
    if value is not None and not is_valid_email(value):
        raise ValueError(f"invalid email address {value!r}")
    return value


def _details(columns: tuple[str, ...]) -> dict[str, Any]:
    return {column: (str | None, None) for column in columns}


if TYPE_CHECKING:
    # What a type checker is told of the models create_model builds below: the fields the code names.
    # Their text columns come from columns.py at run time, and are read with getattr.
    class SubscriberSeed(_Strict):
        id: int
        tags: list[int]
        custom_fields: list[FieldValueSeed]
        sequences: list[SequenceStatusSeed]

    class AvatarSeed(_Strict):
        avatar_id: int
        tags: list[TagSeed]
        custom_fields: list[CustomFieldSeed]
        sequences: list[SequenceSeed]
        subscribers: list[SubscriberSeed]
else:
    SubscriberSeed = create_model(
        "SubscriberSeed",
        __base__=_Strict,
        __validators__={"valid_email": field_validator("email")(_valid_email)},
        id=(Id, ...),
        **_details(SUBSCRIBER_DETAILS),
        tags=(list[Id], []),
        custom_fields=(list[FieldValueSeed], []),
        sequences=(list[SequenceStatusSeed], []),
    )

    AvatarSeed = create_model(
        "AvatarSeed",
        __base__=_Strict,
        avatar_id=(Id, ...),
        **_details(AVATAR_DETAILS),
        tags=(list[TagSeed], []),
        custom_fields=(list[CustomFieldSeed], []),
        sequences=(list[SequenceSeed], []),
        subscribers=(list[SubscriberSeed], []),
    )


class AccountSeed(_Strict):
    api_key: NonEmpty
    avatars: list[AvatarSeed] = []


FORMAT = 1
"""The fixture format this version reads and writes: raise it with any change an older fake would misread."""

VERSION_FIELDS = ("format", "fake_smartengage")


class FixtureDocument(_Strict):
    format: Annotated[
        int,
        Field(ge=1, le=FORMAT, description="The fixture format version; optional in hand-written files"),
        JSON_INTEGER,
    ] = FORMAT
    fake_smartengage: Annotated[str | None, Field(description="The version of the fake that exported it")] = None
    description: str | None = None  # for people: where the document came from, what it holds
    accounts: list[AccountSeed] = []


IDENTITY_FIELDS = ("email", "facebook_id", "push_id")
# What names the bundled fixture where a path is expected, for installs without a checkout.
BUNDLED_NAME = Path("default")
Model = TypeVar("Model", bound=BaseModel)


def fixture_files(paths: list[Path]) -> list[Path]:
    """Each path as given if it is a file, or the *.json files in it, by name, if a folder; the
    name `default`, unless a file or folder of that name exists, is the bundled default fixture."""
    files: list[Path] = []
    for path in paths:
        if path == BUNDLED_NAME and not path.exists():
            path = bundled_fixtures()
        if path.is_dir():
            files.extend(sorted(path.glob("*.json")))
        elif path.is_file():
            files.append(path)
        else:
            raise FixtureError(f"{path}: no such file or folder")
    return files


def read_fixture_file(path: Path) -> FixtureDocument:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FixtureError(f"{path}: cannot read JSON: {error}") from None
    except RecursionError:  # Python's parser stops at its recursion limit, about 1,000 levels
        raise FixtureError(f"{path}: cannot read JSON: nested too deeply") from None
    return parse_document(raw, source=str(path))


def parse_document(raw: object, *, source: str) -> FixtureDocument:
    """Validates a fixture document, its references and the uniqueness of its ids."""
    _check_format(raw, source=source)
    document = _validated(FixtureDocument, raw, source=source, prefix="")
    for index, account in enumerate(document.accounts):
        _check_account(account, source=source, where=f"accounts[{index}]")
    return document


def parse_account_document(raw: object, *, api_key: str, source: str) -> AccountSeed | None:
    """One account's seed, with `api_key`, from a document posted for one tenant; None if empty.

    Accepted: a fixture document holding one account (whose own api_key is replaced), or just
    the account's content, {"avatars": [...]}. Errors name the entries as the document has them.
    """
    if raw is None or raw == {}:
        return None
    if not isinstance(raw, dict):
        raise FixtureError(f"{source}: document: {_must_be('a JSON object', raw)}")
    _check_format(raw, source=source)
    stamp = {name: raw[name] for name in VERSION_FIELDS if name in raw}
    _validated(FixtureDocument, stamp, source=source, prefix="")
    raw = {name: value for name, value in raw.items() if name not in VERSION_FIELDS}
    where = ""
    if "accounts" in raw:
        unknown = sorted(set(raw) - {"accounts"})
        if unknown:
            known = list(FixtureDocument.model_fields)
            raise FixtureError(f"{source}: {unknown[0]}: {_unknown_field(unknown[0], known)}")
        accounts = raw["accounts"]
        if not isinstance(accounts, list) or len(accounts) != 1:
            raise FixtureError(f"{source}: accounts: a tenant's document holds exactly one account")
        raw, where = accounts[0], "accounts[0]"
        if not isinstance(raw, dict):
            raise FixtureError(f"{source}: {where}: {_must_be('a JSON object', raw)}")
    account = _validated(AccountSeed, {**raw, "api_key": api_key}, source=source, prefix=where)
    _check_account(account, source=source, where=where)
    return account


def _check_format(raw: object, *, source: str) -> None:
    """A newer format is refused before anything else: its other changes would only confuse."""
    if not isinstance(raw, dict):
        return
    stated = raw.get("format")
    if isinstance(stated, int) and not isinstance(stated, bool) and stated > FORMAT:
        exporter = raw.get("fake_smartengage")
        by = f" (written by fake-smartengage {exporter})" if isinstance(exporter, str) else ""
        raise FixtureError(
            f"{source}: format: this document has format {stated}{by}, newer than format {FORMAT}, the newest that "
            f"fake-smartengage {__version__} reads: upgrade fake-smartengage to load it"
        )


def check_unique_keys(documents: list[tuple[str, FixtureDocument]]) -> None:
    seen: dict[str, str] = {}
    for source, document in documents:
        for index, account in enumerate(document.accounts):
            if account.api_key in seen:
                raise FixtureError(
                    f"{source}: accounts[{index}]: api_key is already used by an account in {seen[account.api_key]}"
                )
            seen[account.api_key] = source


def _validated(model: type[Model], raw: object, *, source: str, prefix: str) -> Model:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        problems = error.errors()
        first = problems[0]
        if first["type"] == "missing":  # a misspelt field is missing too: name the misspelling
            parent = first["loc"][:-1]
            typos = (p for p in problems if p["type"] == "extra_forbidden" and p["loc"][:-1] == parent)
            first = next(typos, first)
        location = _location(prefix, first["loc"])
        raise FixtureError(f"{source}: {location}: {_plain(first, model)}") from None


def _location(prefix: str, parts: tuple) -> str:
    text = prefix
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "document"


def _plain(error: Any, model: type[BaseModel]) -> str:
    """A validation error in the terms of a JSON document, without the validator's wording."""
    kind, value, context = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        name = str(error["loc"][-1])
        return _unknown_field(name, list(_model_at(model, error["loc"][:-1]).model_fields))
    if kind == "value_error":
        return str(context["error"])
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = "at least" if kind == "greater_than_equal" else "at most"
        return f"must be {bound} {context['ge' if kind == 'greater_than_equal' else 'le']}, not {_shown(value)}"
    if kind == "string_too_short":
        return "must not be empty"
    for kinds, expected in _EXPECTED:
        if kind in kinds:
            return _must_be(expected, value)
    return error["msg"]


_EXPECTED = (
    (("model_type", "model_attributes_type", "dict_type"), "a JSON object"),
    (("list_type",), "a list"),
    (("string_type",), "a string"),
    (("int_type", "int_parsing", "int_from_float", "int_parsing_size"), "a whole number"),
)


def _must_be(expected: str, value: object) -> str:
    return f"must be {expected}, not {_shown(value)}"


def _shown(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:39] + "…"


def _unknown_field(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"unknown field (did you mean {close[0]!r}?)"
    return f"unknown field (known: {', '.join(known)})"


def _model_at(model: type[BaseModel], parts: tuple) -> type[BaseModel]:
    """The model that validates the object at this location of a `model` document."""
    for part in parts:
        if isinstance(part, str):
            annotation = model.model_fields[part].annotation
            model = (get_args(annotation) or (annotation,))[0]
    return model


def _check_account(account: AccountSeed, *, source: str, where: str) -> None:
    avatars = f"{where}.avatars" if where else "avatars"
    duplicate = _first_duplicate(avatar.avatar_id for avatar in account.avatars)
    problem = f"{avatars}: avatar_id {duplicate} appears twice" if duplicate is not None else None
    for index, avatar in enumerate(account.avatars):
        problem = problem or _avatar_inconsistency(avatar, f"{avatars}[{index}]")
    if problem:
        raise FixtureError(f"{source}: {problem}")


def _avatar_inconsistency(avatar: AvatarSeed, where: str) -> str | None:
    catalogues = {
        "tags": [tag.tag_id for tag in avatar.tags],
        "custom_fields": [field.custom_field_id for field in avatar.custom_fields],
        "sequences": [sequence.sequence_id for sequence in avatar.sequences],
        "subscribers": [subscriber.id for subscriber in avatar.subscribers],
    }
    for name, ids in catalogues.items():
        duplicate = _first_duplicate(ids)
        if duplicate is not None:
            return f"{where}.{name}: id {duplicate} appears twice"
    tag_ids, field_ids, sequence_ids = (set(catalogues[name]) for name in ("tags", "custom_fields", "sequences"))
    owners: dict[tuple[str, str], int] = {}
    for s, subscriber in enumerate(avatar.subscribers):
        entry = f"{where}.subscribers[{s}]"
        identities = {name: getattr(subscriber, name) for name in IDENTITY_FIELDS if getattr(subscriber, name)}
        if not identities:
            return f"{entry}: needs at least one of email, facebook_id or push_id"
        for name, value in identities.items():
            key = (name, value.lower() if name == "email" else value)
            if key in owners:
                return f"{entry}: {name} {value!r} already belongs to subscriber {owners[key]}"
            owners[key] = subscriber.id
        references = (
            ("tags", subscriber.tags, tag_ids, "tag", "tag_id"),
            (
                "custom_fields",
                [value.custom_field_id for value in subscriber.custom_fields],
                field_ids,
                "custom field",
                "custom_field_id",
            ),
            (
                "sequences",
                [status.sequence_id for status in subscriber.sequences],
                sequence_ids,
                "sequence",
                "sequence_id",
            ),
        )
        for name, ids, known, label, id_name in references:
            for index, ref in enumerate(ids):
                if ref not in known:
                    return f"{entry}.{name}[{index}]: no {label} with {id_name} {ref} in avatar {avatar.avatar_id}"
            duplicate = _first_duplicate(ids)
            if duplicate is not None:
                return f"{entry}.{name}: id {duplicate} appears twice"
    return None


def _first_duplicate(values: Iterable[int]) -> int | None:
    seen = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None
