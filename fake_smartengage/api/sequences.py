from typing import Any

from ..schemas import CatalogueItem, SequencePublic, SubscriberObject, SubscriberPublic
from ..store import Account, Store
from .forms import FormField, FormSpec
from .params import AVATAR_ID, AVATAR_LIST, SUBSCRIBER_ID
from .routing import Resource

resource = Resource("Sequences")

SEQUENCE_CHANGE = FormSpec(
    AVATAR_ID,
    SUBSCRIBER_ID,
    FormField("sequence", "Sequence for subscribers (its id, or its name)", required=True),
)


@resource.route(
    "/sequences/list/",
    methods=["GET", "POST"],
    form=AVATAR_LIST,
    response_model=list[SequencePublic],
    summary="List all sequences",
    description="Returns a list of the avatar's sequences, the most recently created first.",
)
def list_sequences(store: Store, account: Account, form: dict[str, Any]) -> list[CatalogueItem]:
    return store.list_sequences(account, form["avatar_id"])


@resource.route(
    "/sequences/add",
    methods=["POST"],
    form=SEQUENCE_CHANGE,
    response_model=SubscriberPublic,
    summary="Subscribe to sequence",
    description="The subscriber's status in the sequence becomes Active, also when it had completed it.",
)
def add_to_sequence(store: Store, account: Account, form: dict[str, Any]) -> SubscriberObject:
    return store.add_to_sequence(account, form["avatar_id"], form["subscriber_id"], form["sequence"])


@resource.route(
    "/sequences/remove",
    methods=["POST"],
    form=SEQUENCE_CHANGE,
    response_model=SubscriberPublic,
    summary="Unsubscribe from sequence",
)
def remove_from_sequence(store: Store, account: Account, form: dict[str, Any]) -> SubscriberObject:
    return store.remove_from_sequence(account, form["avatar_id"], form["subscriber_id"], form["sequence"])
