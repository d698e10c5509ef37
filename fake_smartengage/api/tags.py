from typing import Any

from ..schemas import CatalogueItem, SubscriberObject, SubscriberPublic, TagPublic
from ..store import Account, Store
from .forms import FormField, FormSpec
from .params import AVATAR_ID, AVATAR_LIST, SUBSCRIBER_ID
from .routing import Resource

resource = Resource("Tags")

TAG_CHANGE = FormSpec(
    AVATAR_ID, SUBSCRIBER_ID, FormField("tag", "Tag for subscribers (its id, or its name)", required=True)
)


@resource.route(
    "/tags/list/",
    methods=["GET", "POST"],
    form=AVATAR_LIST,
    response_model=list[TagPublic],
    summary="List all tags",
    description="Returns a list of the avatar's tags, the most recently created first.",
)
def list_tags(store: Store, account: Account, form: dict[str, Any]) -> list[CatalogueItem]:
    return store.list_tags(account, form["avatar_id"])


@resource.route(
    "/tags/add",
    methods=["POST"],
    form=TAG_CHANGE,
    response_model=SubscriberPublic,
    summary="Add tag to subscriber",
    description="Adding a tag the subscriber already has changes nothing.",
)
def add_tag(store: Store, account: Account, form: dict[str, Any]) -> SubscriberObject:
    return store.add_tag(account, form["avatar_id"], form["subscriber_id"], form["tag"])


@resource.route(
    "/tags/delete",
    methods=["POST"],
    form=TAG_CHANGE,
    response_model=SubscriberPublic,
    summary="Remove tag from subscriber",
    description="Removing a tag the subscriber does not have changes nothing.",
)
def remove_tag(store: Store, account: Account, form: dict[str, Any]) -> SubscriberObject:
    return store.remove_tag(account, form["avatar_id"], form["subscriber_id"], form["tag"])
