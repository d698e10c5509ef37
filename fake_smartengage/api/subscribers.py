from typing import Any

from ..schemas import SubscriberObject, SubscriberPublic
from ..store import Account, Store, SubscriberChanges
from .forms import FormField, FormSpec
from .params import AVATAR_ID, SUBSCRIBER_ID
from .routing import Resource

resource = Resource("Subscribers")

# The reference spells the name both full_name (in its examples) and fullname (in its tables).
_DETAILS = (
    FormField("first_name", "The subscribers first name"),
    FormField("last_name", "The subscribers last name"),
    FormField("full_name", "The subscribers full name (default: first_name and last_name)"),
    FormField("fullname", "Same as full_name, which wins if both are sent"),
    FormField("email", "Subscribers email address", kind="email"),
    FormField("facebook_id", "Identifier got from facebook"),
    FormField("push_id", "Push notification id got from the web"),
    FormField("tags", "Tags for subscribers (ids or names)", array=True),
    FormField("custom_field", "Subscriber's custom fields (ids or names)", array=True),
    FormField(
        "field_value",
        "Subscriber's custom fields values with respective to custom_field",
        array=True,
        blank_allowed=True,
    ),
)
NEW_SUBSCRIBER = FormSpec(
    AVATAR_ID, *_DETAILS, paired=("custom_field", "field_value"), one_of_required=("email", "facebook_id", "push_id")
)
SUBSCRIBER_UPDATE = FormSpec(AVATAR_ID, SUBSCRIBER_ID, *_DETAILS, paired=("custom_field", "field_value"))


def _changes(form: dict[str, Any]) -> SubscriberChanges:
    return SubscriberChanges(
        full_name=form["full_name"] if form["full_name"] is not None else form["fullname"],
        first_name=form["first_name"],
        last_name=form["last_name"],
        email=form["email"],
        facebook_id=form["facebook_id"],
        push_id=form["push_id"],
        tags=form["tags"],
        custom_values=list(zip(form["custom_field"], form["field_value"], strict=True)),
    )


@resource.route(
    "/subscribers/add",
    methods=["POST"],
    form=NEW_SUBSCRIBER,
    response_model=SubscriberPublic,
    summary="Create a subscriber",
    description=(
        "Needs at least one of email, facebook_id and push_id. When one of them already belongs to a "
        "subscriber of the avatar, that subscriber is updated and returned (or, with --duplicates "
        "conflict, the answer is 409)."
    ),
)
def add_subscriber(store: Store, account: Account, form: dict[str, Any]) -> SubscriberObject:
    return store.add_subscriber(account, form["avatar_id"], _changes(form))


@resource.route(
    "/subscribers/update",
    methods=["POST"],
    form=SUBSCRIBER_UPDATE,
    response_model=SubscriberPublic,
    summary="Update a subscriber",
    description="Only what is sent changes; tags sent are added, custom field values sent are set.",
)
def update_subscriber(store: Store, account: Account, form: dict[str, Any]) -> SubscriberObject:
    return store.update_subscriber(account, form["avatar_id"], form["subscriber_id"], _changes(form))
