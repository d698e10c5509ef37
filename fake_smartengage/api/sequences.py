from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from ..auth import CurrentAccount
from ..forms import FormField, FormSpec
from ..schemas import SequencePublic, SubscriberPublic
from .params import AVATAR_ID, AVATAR_LIST, SUBSCRIBER_ID
from ..deps import AppStore
from .routing import documented_route, json_response

router = APIRouter(tags=["Sequences"])

SEQUENCE_CHANGE = FormSpec(
    AVATAR_ID,
    SUBSCRIBER_ID,
    FormField("sequence", "Sequence for subscribers (its id, or its name)", kind="ref", required=True),
)


@documented_route(
    router,
    "/sequences/list/",
    methods=["GET", "POST"],
    form=AVATAR_LIST,
    response_model=list[SequencePublic],
    summary="List all sequences",
    description="Returns a list of the avatar's sequences, the most recently created first.",
)
async def list_sequences(
    account: CurrentAccount, store: AppStore, form: Annotated[dict[str, Any], Depends(AVATAR_LIST)]
) -> Response:
    return json_response(store.list_sequences(account, form["avatar_id"]))


@documented_route(
    router,
    "/sequences/add",
    methods=["POST"],
    form=SEQUENCE_CHANGE,
    response_model=SubscriberPublic,
    summary="Subscribe to sequence",
    description="The subscriber's status in the sequence becomes Active, also when it had completed it.",
)
async def add_to_sequence(
    account: CurrentAccount, store: AppStore, form: Annotated[dict[str, Any], Depends(SEQUENCE_CHANGE)]
) -> Response:
    return json_response(store.add_to_sequence(account, form["avatar_id"], form["subscriber_id"], form["sequence"]))


@documented_route(
    router,
    "/sequences/remove",
    methods=["POST"],
    form=SEQUENCE_CHANGE,
    response_model=SubscriberPublic,
    summary="Unsubscribe from sequence",
)
async def remove_from_sequence(
    account: CurrentAccount, store: AppStore, form: Annotated[dict[str, Any], Depends(SEQUENCE_CHANGE)]
) -> Response:
    return json_response(
        store.remove_from_sequence(account, form["avatar_id"], form["subscriber_id"], form["sequence"])
    )
