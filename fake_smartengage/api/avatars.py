from typing import Any

from ..schemas import AvatarObject, AvatarPublic
from ..store import Account, Store
from .forms import FormSpec
from .routing import Resource

resource = Resource("Avatars")


# The reference documents GET and shows POST in its authentication example; both answer.
@resource.route(
    "/avatars/list",
    methods=["GET", "POST"],
    form=FormSpec(),
    response_model=list[AvatarPublic],
    summary="List all avatars",
    description="Returns a list of your avatars, the most recently created first.",
)
def list_avatars(store: Store, account: Account, form: dict[str, Any]) -> list[AvatarObject]:
    return store.list_avatars(account)
