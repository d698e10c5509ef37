"""The parameters of subscribers/add and subscribers/update, and the changes they ask for."""

from typing import Any

from ..store import SUBSCRIBER_WRITABLE, SubscriberChanges
from .forms import FormField, FormSpec
from .params import AVATAR_ID, SUBSCRIBER_ID

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


def subscriber_changes(form: dict[str, Any]) -> SubscriberChanges:
    # Each writable column is a parameter of its own name (tests/test_subscriber_columns.py).
    details = {column: form[column] for column in SUBSCRIBER_WRITABLE}
    if details["full_name"] is None:
        details["full_name"] = form["fullname"]
    return SubscriberChanges(
        details,
        tags=form["tags"],
        custom_values=list(zip(form["custom_field"], form["field_value"], strict=True)),
    )
