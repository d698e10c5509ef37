"""The route table: every SmartEngage route, declared once.

Each entry says what the reference says of a route (its path as spelled there, its methods, its
parameters, the shape it answers) and what the fake does with it (the store operation, the other
methods it answers). Everything else is derived from this table: serving (`dispatch`), the
OpenAPI document (`openapi`), the shape checks of `--upstream` and `verify` (`shapes`), `verify`'s
checks and `snapshot` (`checking`), the dashboard's route list (`GET /_fake/routes`) and the tests.
No module but this one writes a route's path.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from ..schemas import (
    AvatarPublic,
    CustomFieldPublic,
    SequencePublic,
    SubscriberPublic,
    TagPublic,
)
from ..store import Account, Store
from .forms import FormField, FormSpec
from .params import AVATAR_ID, AVATAR_LIST, SUBSCRIBER_ID
from .subscribers import NEW_SUBSCRIBER, SUBSCRIBER_UPDATE, subscriber_changes

# What a route does once the request is authenticated and its parameters parsed: the store
# operation, with the checked parameters by name.
Operation = Callable[[Store, Account, dict[str, Any]], Any]
# documented: the reference documents the route. (Behaviour profiles add the routes it promises.)
Basis = Literal["documented"]


@dataclass(frozen=True)
class ApiRoute:
    name: str
    path: str  # as the reference spells it; the other trailing-slash spelling answers too
    methods: tuple[str, ...]  # as the reference documents them
    form: FormSpec
    answer: Any  # the documented shape of a 200: a model, or a list of one
    operation: Operation
    resource: str
    summary: str
    description: str = ""
    # Methods the reference does not document that the fake answers as well: its choice.
    other_methods: tuple[str, ...] = ()
    basis: Basis = "documented"

    @property
    def other_path(self) -> str:
        return other_spelling(self.path)

    @property
    def paths(self) -> tuple[str, str]:
        return self.path, self.other_path

    @cached_property
    def served_methods(self) -> frozenset[str]:
        """Every method the route answers; HEAD wherever GET is, as HTTP has it."""
        methods = {*self.methods, *self.other_methods}
        return frozenset(methods | {"HEAD"} if "GET" in methods else methods)

    @property
    def lists(self) -> bool:
        """A list route reads; every other route writes and answers the subscriber it changed."""
        return getattr(self.answer, "__origin__", None) is list


def other_spelling(path: str) -> str:
    """The same path with its trailing slash, or without it."""
    return path.removesuffix("/") if path.endswith("/") else f"{path}/"


def same_path(path: str, other: str) -> bool:
    """Whether two paths are one route's, or would be: the trailing slash does not count."""
    return path.rstrip("/") == other.rstrip("/")


TAG_CHANGE = FormSpec(
    AVATAR_ID, SUBSCRIBER_ID, FormField("tag", "Tag for subscribers (its id, or its name)", required=True)
)
FIELD_VALUE = FormSpec(
    AVATAR_ID,
    SUBSCRIBER_ID,
    FormField("field", "Custom field id for subscriber (or its name)", required=True),
    FormField("value", "Custom field value for subscriber", required=True, blank_allowed=True),
)
SEQUENCE_CHANGE = FormSpec(
    AVATAR_ID, SUBSCRIBER_ID, FormField("sequence", "Sequence for subscribers (its id, or its name)", required=True)
)
_NEWEST_FIRST = "Returns a list of the avatar's {}, the most recently created first."
# The reference documents GET on its list routes and shows POST on the avatars' in its
# authentication example; every list route answers both.

AVATARS_LIST = ApiRoute(
    "list_avatars",
    "/avatars/list",
    methods=("GET", "POST"),
    form=FormSpec(),
    answer=list[AvatarPublic],
    operation=lambda store, account, form: store.list_avatars(account),
    resource="Avatars",
    summary="List all avatars",
    description="Returns a list of your avatars, the most recently created first.",
)
TAGS_LIST = ApiRoute(
    "list_tags",
    "/tags/list/",
    methods=("GET",),
    other_methods=("POST",),
    form=AVATAR_LIST,
    answer=list[TagPublic],
    operation=lambda store, account, form: store.list_tags(account, form["avatar_id"]),
    resource="Tags",
    summary="List all tags",
    description=_NEWEST_FIRST.format("tags"),
)
TAGS_ADD = ApiRoute(
    "add_tag",
    "/tags/add",
    methods=("POST",),
    form=TAG_CHANGE,
    answer=SubscriberPublic,
    operation=lambda store, account, form: store.add_tag(
        account, form["avatar_id"], form["subscriber_id"], form["tag"]
    ),
    resource="Tags",
    summary="Add tag to subscriber",
    description="Adding a tag the subscriber already has changes nothing.",
)
TAGS_DELETE = ApiRoute(
    "remove_tag",
    "/tags/delete",
    methods=("POST",),
    form=TAG_CHANGE,
    answer=SubscriberPublic,
    operation=lambda store, account, form: store.remove_tag(
        account, form["avatar_id"], form["subscriber_id"], form["tag"]
    ),
    resource="Tags",
    summary="Remove tag from subscriber",
    description="Removing a tag the subscriber does not have changes nothing.",
)
CUSTOM_FIELDS_LIST = ApiRoute(
    "list_custom_fields",
    "/customfields/list/",
    methods=("GET",),
    other_methods=("POST",),
    form=AVATAR_LIST,
    answer=list[CustomFieldPublic],
    operation=lambda store, account, form: store.list_custom_fields(account, form["avatar_id"]),
    resource="Custom Fields",
    summary="List all custom fields",
    description=_NEWEST_FIRST.format("custom fields"),
)
CUSTOM_FIELDS_UPDATE = ApiRoute(
    "set_custom_field",
    "/customfields/update",
    methods=("POST",),
    form=FIELD_VALUE,
    answer=SubscriberPublic,
    operation=lambda store, account, form: store.set_custom_field(
        account, form["avatar_id"], form["subscriber_id"], form["field"], form["value"]
    ),
    resource="Custom Fields",
    summary="Set custom field value",
)
SEQUENCES_LIST = ApiRoute(
    "list_sequences",
    "/sequences/list/",
    methods=("GET",),
    other_methods=("POST",),
    form=AVATAR_LIST,
    answer=list[SequencePublic],
    operation=lambda store, account, form: store.list_sequences(account, form["avatar_id"]),
    resource="Sequences",
    summary="List all sequences",
    description=_NEWEST_FIRST.format("sequences"),
)
SEQUENCES_ADD = ApiRoute(
    "add_to_sequence",
    "/sequences/add",
    methods=("POST",),
    form=SEQUENCE_CHANGE,
    answer=SubscriberPublic,
    operation=lambda store, account, form: store.add_to_sequence(
        account, form["avatar_id"], form["subscriber_id"], form["sequence"]
    ),
    resource="Sequences",
    summary="Subscribe to sequence",
    description="The subscriber's status in the sequence becomes Active, also when it had completed it.",
)
SEQUENCES_REMOVE = ApiRoute(
    "remove_from_sequence",
    "/sequences/remove",
    methods=("POST",),
    form=SEQUENCE_CHANGE,
    answer=SubscriberPublic,
    operation=lambda store, account, form: store.remove_from_sequence(
        account, form["avatar_id"], form["subscriber_id"], form["sequence"]
    ),
    resource="Sequences",
    summary="Unsubscribe from sequence",
)
SUBSCRIBERS_ADD = ApiRoute(
    "add_subscriber",
    "/subscribers/add",
    methods=("POST",),
    form=NEW_SUBSCRIBER,
    answer=SubscriberPublic,
    operation=lambda store, account, form: store.add_subscriber(account, form["avatar_id"], subscriber_changes(form)),
    resource="Subscribers",
    summary="Create a subscriber",
    description=(
        "Needs at least one of email, facebook_id and push_id. When one of them already belongs to a "
        "subscriber of the avatar, that subscriber is updated and returned (or, with --duplicates "
        "conflict, the answer is 409)."
    ),
)
SUBSCRIBERS_UPDATE = ApiRoute(
    "update_subscriber",
    "/subscribers/update",
    methods=("POST",),
    form=SUBSCRIBER_UPDATE,
    answer=SubscriberPublic,
    operation=lambda store, account, form: store.update_subscriber(
        account, form["avatar_id"], form["subscriber_id"], subscriber_changes(form)
    ),
    resource="Subscribers",
    summary="Update a subscriber",
    description="Only what is sent changes; tags sent are added, custom field values sent are set.",
)

# In the reference's order.
ROUTES: tuple[ApiRoute, ...] = (
    AVATARS_LIST,
    TAGS_LIST,
    TAGS_ADD,
    TAGS_DELETE,
    CUSTOM_FIELDS_LIST,
    CUSTOM_FIELDS_UPDATE,
    SEQUENCES_LIST,
    SEQUENCES_ADD,
    SEQUENCES_REMOVE,
    SUBSCRIBERS_ADD,
    SUBSCRIBERS_UPDATE,
)
_BY_PATH = {path: route for route in ROUTES for path in route.paths}


def route_at(path: str) -> ApiRoute | None:
    """The route a path names, in either spelling."""
    return _BY_PATH.get(path)
