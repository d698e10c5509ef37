from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from ..auth import CurrentAccount
from ..forms import FormField, FormSpec
from ..schemas import CustomFieldPublic, SubscriberPublic
from .params import AVATAR_ID, AVATAR_LIST, SUBSCRIBER_ID
from ..deps import AppStore
from .routing import documented_route, json_response

router = APIRouter(tags=["Custom Fields"])

FIELD_VALUE = FormSpec(
    AVATAR_ID,
    SUBSCRIBER_ID,
    FormField("field", "Custom field id for subscriber (or its name)", kind="ref", required=True),
    FormField("value", "Custom field value for subscriber", required=True, blank_allowed=True),
)


@documented_route(
    router,
    "/customfields/list/",
    methods=["GET", "POST"],
    form=AVATAR_LIST,
    response_model=list[CustomFieldPublic],
    summary="List all custom fields",
    description="Returns a list of the avatar's custom fields, the most recently created first.",
)
async def list_custom_fields(
    account: CurrentAccount, store: AppStore, form: Annotated[dict[str, Any], Depends(AVATAR_LIST)]
) -> Response:
    return json_response(store.list_custom_fields(account, form["avatar_id"]))


@documented_route(
    router,
    "/customfields/update",
    methods=["POST"],
    form=FIELD_VALUE,
    response_model=SubscriberPublic,
    summary="Set custom field value",
)
async def set_custom_field(
    account: CurrentAccount, store: AppStore, form: Annotated[dict[str, Any], Depends(FIELD_VALUE)]
) -> Response:
    return json_response(
        store.set_custom_field(account, form["avatar_id"], form["subscriber_id"], form["field"], form["value"])
    )
