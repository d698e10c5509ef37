"""Parameters in every body type and array spelling, and what is refused."""

import json
from urllib.parse import urlencode

import pytest

from conftest import ANY_PARAM, assert_error
from fake_smartengage import errors
from fake_smartengage.api.forms import MAX_FIELDS, _parse_urlencoded

ARRAY_SPELLINGS = {
    "brackets": [("tags[]", "123"), ("tags[]", "124"), ("custom_field[]", "111"), ("field_value[]", "X")],
    "repeated": [("tags", "123"), ("tags", "124"), ("custom_field", "111"), ("field_value", "X")],
    "indexed": [("tags[1]", "124"), ("tags[0]", "123"), ("custom_field[0]", "111"), ("field_value[0]", "X")],
}
BASE = [("avatar_id", "123"), ("email", "new@example.com")]


def _multipart(pairs):
    return {"files": [(key, (None, value)) for key, value in pairs]}


def _urlencoded(pairs):
    return {"content": urlencode(pairs), "headers": {"Content-Type": "application/x-www-form-urlencoded"}}


def _json(pairs):
    document: dict = {}
    for key, value in pairs:
        if key in document:
            document[key] = [*document[key], value] if isinstance(document[key], list) else [document[key], value]
        else:
            document[key] = value
    return {"json": document}


@pytest.mark.parametrize("spelling", ARRAY_SPELLINGS)
@pytest.mark.parametrize("encode", [_urlencoded, _multipart, _json], ids=["urlencoded", "multipart", "json"])
async def test_array_spellings_mean_the_same_in_every_body(client, spelling, encode):
    pairs = BASE + ARRAY_SPELLINGS[spelling]
    response = await client.post("/subscribers/add", **encode(pairs))
    assert response.status_code == 200, response.text
    subscriber = response.json()
    assert subscriber["tags"] == ["tags1", "tags2"]
    assert subscriber["custom_fields"] == [
        {"custom_field_id": "111", "custom_field_name": "location", "custom_value": "X"}
    ]


async def test_json_body_with_numbers_and_lists(client):
    response = await client.post(
        "/subscribers/add",
        json={
            "avatar_id": 123,
            "email": "j@example.com",
            "tags": [123, "tags2"],
            "custom_field": [111],
            "field_value": ["V"],
        },
    )
    assert response.status_code == 200
    assert response.json()["tags"] == ["tags1", "tags2"]


async def test_indexed_arrays_pair_by_index_not_by_order(client):
    response = await client.post(
        "/subscribers/add",
        content="avatar_id=123&email=i%40example.com&custom_field[3]=123&custom_field[1]=111&field_value[1]=one&field_value[3]=three",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    values = {v["custom_field_id"]: v["custom_value"] for v in response.json()["custom_fields"]}
    assert values == {"111": "one", "123": "three"}


@pytest.mark.parametrize(
    "body",
    [
        "custom_field[]=111&custom_field[]=123&field_value[]=only-one",
        "custom_field[0]=111&field_value[1]=x",
        "field_value[]=orphan",
    ],
)
async def test_unpaired_custom_fields_are_400(client, state, body):
    before = state()
    response = await client.post(
        "/subscribers/add",
        content=f"avatar_id=123&email=p%40example.com&{body}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, 400, "custom_field")
    assert state() == before


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ("avatar_id=123&email=m%40example.com&tags[]=123&tags[0]=124", "tags"),
        ("avatar_id=123&email=m%40example.com&tags[0]=123&tags[0]=124", "tags"),
        ("avatar_id=123&email=m%40example.com&tags[x]=123", "tags"),
        ("avatar_id=123&email=m%40example.com&avatar_id=123", "avatar_id"),
        ("avatar_id=123&email=m%40example.com&email=n%40example.com", "email"),
        ("avatar_id[]=123&email=m%40example.com", "avatar_id"),
    ],
)
async def test_malformed_parameters_are_400(client, state, body, param):
    before = state()
    response = await client.post(
        "/subscribers/add", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert_error(response, 400, param)
    assert state() == before


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"avatar_id=123&email=%FF%FE%40example.com", "application/x-www-form-urlencoded"),
        (b"avatar_id=123&email=\xff@example.com", "application/x-www-form-urlencoded"),
        (b"avatar_id=123&email=a%00b%40example.com", "application/x-www-form-urlencoded"),
        (b'{"avatar_id": 123, "email": "a\\u0000@example.com"}', "application/json"),
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"avatar_id": {"nested": 1}}', "application/json"),
        (b'{"avatar_id": true}', "application/json"),
        (b'{"avatar_id": ' + b"9" * 5000 + b"}", "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b"--nope\r\nbroken", "multipart/form-data; boundary=other"),
        (b"avatar_id=123", "multipart/form-data"),
        (
            b'--b\r\nContent-Disposition: form-data; name="email"\r\n\r\n\xff@example.com\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        ("&".join(f"tags[]={i}" for i in range(10_000)).encode(), "application/x-www-form-urlencoded"),
    ],
    ids=[
        "bad-escape",
        "raw-invalid-utf8",
        "nul-escape",
        "nul-json",
        "bad-json",
        "json-array",
        "json-nested",
        "json-bool",
        "json-huge-number",
        "json-too-deep",
        "broken-boundary",
        "no-boundary",
        "multipart-invalid-utf8",
        "10000-elements",
    ],
)
async def test_hostile_bodies_are_400_and_change_nothing(client, state, content, content_type):
    before = state()
    response = await client.post("/subscribers/add", content=content, headers={"Content-Type": content_type})
    assert_error(response, 400, ANY_PARAM)
    assert state() == before


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/xml"])
async def test_unsupported_content_type_is_415(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = await client.post("/subscribers/add", content=b"avatar_id=123&email=a%40b.co", headers=headers)
    assert_error(response, 415, ANY_PARAM)


async def test_file_upload_is_400(client):
    response = await client.post("/subscribers/add", data={"avatar_id": "123"}, files={"email": ("a.txt", b"x@y.co")})
    assert_error(response, 400, None, errors.malformed_request("field email is a file; send text values").message)


async def test_query_string_parameters_count_for_writes_too(client):
    response = await client.post("/tags/delete", params={"avatar_id": "123", "subscriber_id": "1"}, data={"tag": "123"})
    assert response.status_code == 200
    assert response.json()["tags"] == ["tags2"]


async def test_unknown_parameters_are_ignored(client):
    response = await client.post(
        "/tags/add", data={"avatar_id": "123", "subscriber_id": "1", "tag": "124", "extra": "x"}
    )
    assert response.status_code == 200


async def test_charset_parameter_is_accepted(client):
    response = await client.post(
        "/subscribers/add",
        content=b"avatar_id=123&email=u%40example.com&full_name=J%C3%B6rg",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )
    assert response.json()["full_name"] == "Jörg"


async def test_sql_and_html_metacharacters_are_stored_verbatim(client):
    name = "Robert'); DROP TABLE subscriber;-- <script>alert(1)</script>"
    response = await client.post(
        "/subscribers/add", data={"avatar_id": "123", "email": "bobby@example.com", "full_name": name}
    )
    assert response.json()["full_name"] == name
    again = await client.post("/subscribers/update", data={"avatar_id": "123", "subscriber_id": response.json()["id"]})
    assert again.json()["full_name"] == name


def test_json_helper_matches_multi_values():
    assert json.dumps(_json([("a", "1"), ("a", "2")])["json"]) == '{"a": ["1", "2"]}'


@pytest.mark.parametrize("param", ["email", "full_name", "tags[]"])
async def test_a_lone_surrogate_in_a_json_value_is_400_not_500(client, state, param):
    before = state()
    value = '["a\\ud800"]' if param.endswith("[]") else '"a\\ud800@example.com"'
    body = f'{{"avatar_id": "123", "push_id": "p1", "{param}": {value}}}'.encode()
    response = await client.post("/subscribers/add", content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 400, param.removesuffix("[]"))
    assert state() == before


def test_urlencoded_field_limit():
    for separator in ("&a=1", "&a=%31"):
        assert (
            len(_parse_urlencoded(separator[1:].encode() + separator.encode() * (MAX_FIELDS - 1), "body")) == MAX_FIELDS
        )
        with pytest.raises(errors.ApiError, match=f"more than {MAX_FIELDS} fields"):
            _parse_urlencoded(separator[1:].encode() + separator.encode() * MAX_FIELDS, "body")


async def test_query_string_parameters_are_journaled_as_sent_and_as_parsed(app, client):
    for avatar_id in ("1", "123"):
        answer = await client.get("/tags/list/", params={"avatar_id": avatar_id})
        assert answer.status_code == 200
        (entry, *_) = app.state.harness.journal.entries(path="/tags/list/")
        assert entry["form"] == {"avatar_id": int(avatar_id)}
        assert entry["sent"] == {"avatar_id": avatar_id}
    assert_error(await client.get("/tags/list/", params={"avatar_id": "x"}), 400, "avatar_id")
    (entry, *_) = app.state.harness.journal.entries(path="/tags/list/")
    assert (entry["sent"], entry["form"]) == ({"avatar_id": "x"}, None)


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (b"avatar_id=123&email=j%40example.com&full_name=J%F6rg", "application/x-www-form-urlencoded"),
        (b'{"avatar_id": 123, "email": "j@example.com", "full_name": "J\xf6rg"}', "application/json"),
        (
            b'--b\r\nContent-Disposition: form-data; name="full_name"\r\n\r\nJ\xf6rg\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
    ],
    ids=["urlencoded", "json", "multipart"],
)
@pytest.mark.parametrize(
    ("charset", "reason"),
    [
        ("", "the body is not valid UTF-8"),
        ("; charset=UTF-8", "the body is not valid UTF-8"),
        ("; charset=latin-1", "the body is not valid UTF-8 (its charset=latin-1 is not supported: send UTF-8)"),
        ('; charset="ISO-8859-1"', "the body is not valid UTF-8 (its charset=ISO-8859-1 is not supported: send UTF-8)"),
    ],
)
async def test_a_body_that_is_not_utf8_names_the_charset_it_declared(client, content, media_type, charset, reason):
    response = await client.post("/subscribers/add", content=content, headers={"Content-Type": media_type + charset})
    assert_error(response, 400, None, errors.malformed_request(reason).message)
