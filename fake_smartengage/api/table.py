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
from ..store.catalogues import CUSTOM_FIELDS, TAGS
from .behaviour import DEFAULT, Profile
from .forms import FormField, FormSpec
from .params import AVATAR_ID, AVATAR_LIST, SUBSCRIBER_ID
from .subscribers import NEW_SUBSCRIBER, SUBSCRIBER_UPDATE, subscriber_changes

# What a route does once the request is authenticated and its parameters parsed: the store
# operation, with the checked parameters by name and the profile in force.
Operation = Callable[[Store, Account, dict[str, Any], Profile], Any]
# documented: the reference documents the route. promised: its prose promises the route, which
# SmartEngage's integrations use, and the fake serves it with the promised_routes switch on.
Basis = Literal["documented", "promised"]


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
    # Methods the reference does not document that the fake answers as well: its choice (the
    # list_post switch).
    other_methods: tuple[str, ...] = ()
    basis: Basis = "documented"
    # A route that creates something: its success is a 201 with the add_status switch at 201.
    creates: bool = False

    @property
    def other_path(self) -> str:
        return other_spelling(self.path)

    @property
    def paths(self) -> tuple[str, str]:
        return self.path, self.other_path

    @cached_property
    def served_methods(self) -> frozenset[str]:
        """The methods the route answers under the default profile."""
        return self.methods_under(DEFAULT)

    def served(self, path: str, profile: Profile) -> bool:
        """Whether the route answers at `path`, one of its spellings, under `profile`."""
        if self.basis == "promised" and not profile.follows("promised_routes", "on"):
            return False
        return path == self.path or profile.follows("other_spelling", "answered")

    def methods_under(self, profile: Profile) -> frozenset[str]:
        """The methods the route answers under `profile`; HEAD wherever GET is, as HTTP has it."""
        methods = {*self.methods, *(self.other_methods if profile.follows("list_post", "answered") else ())}
        return frozenset(methods | {"HEAD"} if "GET" in methods else methods)

    def success_status(self, profile: Profile) -> int:
        """The status of a success: 201 for a creation with the add_status switch at 201."""
        return 201 if self.creates and profile.follows("add_status", "201") else 200

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
    operation=lambda store, account, form, profile: store.list_avatars(account),
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
    operation=lambda store, account, form, profile: store.list_tags(account, form["avatar_id"]),
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
    operation=lambda store, account, form, profile: store.add_tag(
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
    operation=lambda store, account, form, profile: store.remove_tag(
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
    operation=lambda store, account, form, profile: store.list_custom_fields(account, form["avatar_id"]),
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
    operation=lambda store, account, form, profile: store.set_custom_field(
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
    operation=lambda store, account, form, profile: store.list_sequences(account, form["avatar_id"]),
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
    operation=lambda store, account, form, profile: store.add_to_sequence(
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
    operation=lambda store, account, form, profile: store.remove_from_sequence(
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
    operation=lambda store, account, form, profile: store.add_subscriber(
        account, form["avatar_id"], subscriber_changes(form), duplicates=profile.duplicates
    ),
    creates=True,
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
    operation=lambda store, account, form, profile: store.update_subscriber(
        account, form["avatar_id"], form["subscriber_id"], subscriber_changes(form), duplicates=profile.duplicates
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

# The routes the reference promises ("a list of all your subscribers") but does not document, as
# SmartEngage's integrations call them; served with the promised_routes switch on.
SUBSCRIBERS_LIST = ApiRoute(
    "list_subscribers",
    "/subscribers/list/",
    methods=("GET",),
    other_methods=("POST",),
    form=AVATAR_LIST,
    answer=list[SubscriberPublic],
    operation=lambda store, account, form, profile: store.list_subscribers(account, form["avatar_id"]),
    resource="Subscribers",
    summary="List all subscribers (promised_routes on)",
    description="The avatar's subscribers, the most recently created first, each as every write answers it.",
    basis="promised",
)
TAGS_CREATE = ApiRoute(
    "create_tag",
    "/tags/create",
    methods=("POST",),
    form=FormSpec(AVATAR_ID, FormField("name", "The tag's name", required=True)),
    answer=TagPublic,
    operation=lambda store, account, form, profile: store.create_item(account, TAGS, form["avatar_id"], form["name"]),
    resource="Tags",
    summary="Create a tag (promised_routes on)",
    description="A new tag, first in the avatar's list; the tag of that name if there is one.",
    basis="promised",
    creates=True,
)
CUSTOM_FIELDS_CREATE = ApiRoute(
    "create_custom_field",
    "/customfields/create",
    methods=("POST",),
    form=FormSpec(
        AVATAR_ID,
        FormField("custom_field_name", "The custom field's name", required=True),
        FormField("custom_field_type", "Its type, as SmartEngage's integrations send it", required=True),
        FormField("custom_field_title", "Its title (accepted, not kept)"),
        FormField("custom_field_desc", "Its description (accepted, not kept)"),
    ),
    answer=CustomFieldPublic,
    operation=lambda store, account, form, profile: store.create_item(
        account, CUSTOM_FIELDS, form["avatar_id"], form["custom_field_name"]
    ),
    resource="Custom Fields",
    summary="Create a custom field (promised_routes on)",
    description="A new custom field, first in the avatar's list; the field of that name if there is one.",
    basis="promised",
    creates=True,
)
PROMISED_ROUTES: tuple[ApiRoute, ...] = (SUBSCRIBERS_LIST, TAGS_CREATE, CUSTOM_FIELDS_CREATE)
_BY_PATH = {path: route for route in (*ROUTES, *PROMISED_ROUTES) for path in route.paths}


def route_at(path: str) -> ApiRoute | None:
    """The route a path names, in either spelling."""
    return _BY_PATH.get(path)
