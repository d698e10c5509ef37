from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from ..auth import CurrentAccount
from ..forms import FormField, FormSpec
from ..schemas import SubscriberPublic, TagPublic
from .params import AVATAR_ID, AVATAR_LIST, SUBSCRIBER_ID
from ..deps import AppStore
from .routing import documented_route, json_response

router = APIRouter(tags=["Tags"])

TAG_CHANGE = FormSpec(
    AVATAR_ID, SUBSCRIBER_ID, FormField("tag", "Tag for subscribers (its id, or its name)", kind="ref", required=True)
)


@documented_route(
    router,
    "/tags/list/",
    methods=["GET", "POST"],
    form=AVATAR_LIST,
    response_model=list[TagPublic],
    summary="List all tags",
    description="Returns a list of the avatar's tags, the most recently created first.",
)
async def list_tags(
    account: CurrentAccount, store: AppStore, form: Annotated[dict[str, Any], Depends(AVATAR_LIST)]
) -> Response:
    return json_response(store.list_tags(account, form["avatar_id"]))


@documented_route(
    router,
    "/tags/add",
    methods=["POST"],
    form=TAG_CHANGE,
    response_model=SubscriberPublic,
    summary="Add tag to subscriber",
    description="Adding a tag the subscriber already has changes nothing.",
)
async def add_tag(
    account: CurrentAccount, store: AppStore, form: Annotated[dict[str, Any], Depends(TAG_CHANGE)]
) -> Response:
    return json_response(store.add_tag(account, form["avatar_id"], form["subscriber_id"], form["tag"]))


@documented_route(
    router,
    "/tags/delete",
    methods=["POST"],
    form=TAG_CHANGE,
    response_model=SubscriberPublic,
    summary="Remove tag from subscriber",
    description="Removing a tag the subscriber does not have changes nothing.",
)
async def remove_tag(
    account: CurrentAccount, store: AppStore, form: Annotated[dict[str, Any], Depends(TAG_CHANGE)]
) -> Response:
    return json_response(store.remove_tag(account, form["avatar_id"], form["subscriber_id"], form["tag"]))
