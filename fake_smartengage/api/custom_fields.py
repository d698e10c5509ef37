from typing import Any

from ..schemas import CatalogueItem, CustomFieldPublic, SubscriberObject, SubscriberPublic
from ..store import Account, Store
from .forms import FormField, FormSpec
from .params import AVATAR_ID, AVATAR_LIST, SUBSCRIBER_ID
from .routing import Resource

resource = Resource("Custom Fields")

FIELD_VALUE = FormSpec(
    AVATAR_ID,
    SUBSCRIBER_ID,
    FormField("field", "Custom field id for subscriber (or its name)", required=True),
    FormField("value", "Custom field value for subscriber", required=True, blank_allowed=True),
)


@resource.route(
    "/customfields/list/",
    methods=["GET", "POST"],
    form=AVATAR_LIST,
    response_model=list[CustomFieldPublic],
    summary="List all custom fields",
    description="Returns a list of the avatar's custom fields, the most recently created first.",
)
def list_custom_fields(store: Store, account: Account, form: dict[str, Any]) -> list[CatalogueItem]:
    return store.list_custom_fields(account, form["avatar_id"])


@resource.route(
    "/customfields/update",
    methods=["POST"],
    form=FIELD_VALUE,
    response_model=SubscriberPublic,
    summary="Set custom field value",
)
def set_custom_field(store: Store, account: Account, form: dict[str, Any]) -> SubscriberObject:
    return store.set_custom_field(account, form["avatar_id"], form["subscriber_id"], form["field"], form["value"])
