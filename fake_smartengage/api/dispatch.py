"""How the SmartEngage API answers a request, under a behaviour profile (`behaviour`).

By default the order is the one Starlette's router gave the routes before the route table served
them: an unknown path is 404 and a method the route does not answer 405, whatever the key; then a
missing or unknown key is 401 before any parameter is read. With check_order at key-first, the
key comes first, on every path.
"""

from typing import Any

from pydantic_core import to_json

from .. import errors
from ..store import Account, Store
from .auth import authenticate
from .behaviour import DEFAULT, Profile
from .forms import Parameters
from .request import ApiRequest
from .table import ApiRoute

# A list of one avatar's items asked without the avatar.
_AVATAR = "avatar_id"


def answer(store: Store, request: ApiRequest, profile: Profile = DEFAULT) -> tuple[int, bytes]:
    """The status and JSON body of the success the request gets; an `ApiError` for any other answer."""
    if profile.follows("check_order", "key-first"):
        authenticate(request)
    route = request.route
    if route is None or not route.served(request.path, profile):
        raise errors.unknown_route(request.method, request.path)
    methods = route.methods_under(profile)
    if request.method not in methods:
        raise errors.method_not_allowed(request.method, request.path, methods)
    account = authenticate(request)
    if not (route.lists and not request.body):
        return _run(store, request, route, account, profile)

    # A read answers the same until the account changes: kept, with the parameters it parsed.
    def read() -> tuple[int, bytes, Parameters, dict[str, Any] | None]:
        return (*_run(store, request, route, account, profile), request.pairs(), request.parameters)

    status, body, pairs, parameters = account.kept_reads.get((route.name, request.query, profile), read)
    request.remember(pairs, parameters)
    return status, body


def _run(store: Store, request: ApiRequest, route: ApiRoute, account: Account, profile: Profile) -> tuple[int, bytes]:
    """The route's parameters checked, then its operation."""
    lenient = route.lists and not profile.follows("list_without_avatar", "400")
    request.parameters = route.form.parse(
        request.pairs(),
        optional=frozenset({_AVATAR}) if lenient else frozenset(),
        strict=profile.follows("unknown_parameters", "400"),
    )
    result: Any
    if lenient and _AVATAR in request.parameters and request.parameters[_AVATAR] is None:
        empty = profile.follows("list_without_avatar", "empty")
        result = [] if empty else route.operation(store, account, request.parameters, profile)
    else:
        result = route.operation(store, account, request.parameters, profile)
    return route.success_status(profile), to_json(result)
