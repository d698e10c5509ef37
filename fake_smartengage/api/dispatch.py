"""How the SmartEngage API answers a request: its route, then its key, then its parameters.

The order is the one Starlette's router gave the routes before the route table served them:
an unknown path is 404 and a method the route does not answer 405, whatever the key; then a
missing or unknown key is 401 before any parameter is read.
"""

from pydantic_core import to_json

from .. import errors
from ..store import Store
from .auth import authenticate
from .request import ApiRequest


def answer(store: Store, request: ApiRequest) -> bytes:
    """The JSON body of the 200 the request gets; an `ApiError` for any other answer."""
    route = request.route
    if route is None:
        raise errors.unknown_route(request.method, request.path)
    if request.method not in route.served_methods:
        raise errors.method_not_allowed(request.method, request.path, route.served_methods)
    account = authenticate(request)
    request.parameters = route.form.parse(request.pairs())
    return to_json(route.operation(store, account, request.parameters))
