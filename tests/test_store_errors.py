"""The store's errors carry no HTTP status: `errors.as_api_error` words each one, and the client
sees it in the API's error shape."""

import dataclasses
import inspect

from conftest import DEFAULT_KEY, assert_error, default_fixture
from fake_smartengage import errors
from fake_smartengage.store import exceptions
from fake_smartengage.validation import MAX_ID


def test_every_store_error_is_worded_as_a_client_error_not_a_bug():
    raised = [
        error
        for _, error in inspect.getmembers(exceptions, inspect.isclass)
        if issubclass(error, exceptions.StoreError) and error is not exceptions.StoreError
    ]
    assert len(raised) >= 9
    for error in raised:
        instance = error(*(f"<{field.name}>" for field in dataclasses.fields(error)))
        answer = errors.as_api_error(instance)
        assert answer.status != 500 and not answer.message.startswith("Internal error"), error.__name__


async def test_add_when_the_highest_subscriber_id_is_taken_is_409(client_for):
    document = default_fixture()
    (avatar,) = [avatar for avatar in document["accounts"][0]["avatars"] if avatar["avatar_id"] == 123]
    avatar["subscribers"].append({"id": MAX_ID, "email": "last@example.com"})
    client = client_for(document, DEFAULT_KEY)
    response = await client.post("/subscribers/add", data={"avatar_id": "123", "email": "one.more@example.com"})
    assert_error(response, 409, None, "No free subscriber id is left in this avatar")
