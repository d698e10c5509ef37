from fastapi import APIRouter
from starlette.responses import Response

from ..auth import CurrentAccount
from ..forms import FormSpec
from ..schemas import AvatarPublic
from ..deps import AppStore
from .routing import documented_route, json_response

router = APIRouter(tags=["Avatars"])


# The reference documents GET and shows POST in its authentication example; both answer.
@documented_route(
    router,
    "/avatars/list",
    methods=["GET", "POST"],
    form=FormSpec(),
    response_model=list[AvatarPublic],
    summary="List all avatars",
    description="Returns a list of your avatars, the most recently created first.",
)
async def list_avatars(account: CurrentAccount, store: AppStore) -> Response:
    return json_response(store.list_avatars(account))
