"""The fixture documents the harness takes, as /openapi.json describes them.

Built from the models `store.seeding` checks documents with, plus the rules it checks by hand
that a schema can state (an email's form, a subscriber's identity). What no schema can state
(ids unique in their list, references to ids that exist) is only in the descriptions.
"""

from typing import Any

from ...store.seeding import IDENTITY_FIELDS, VERSION_FIELDS, AccountSeed, FixtureDocument
from ...validation import EMAIL_PATTERN, MAX_EMAIL_LENGTH

_RULES = "Ids are unique within their list, and what a subscriber lists refers to its avatar's own ids."


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """The model's schema with its definitions written in place: the OpenAPI document keeps
    its own under components, where a `$ref` into the model's `$defs` would not resolve."""
    definitions = schema.pop("$defs", {})

    def resolved(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolved(definitions[node["$ref"].rsplit("/", 1)[1]])
            return {key: resolved(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolved(item) for item in node]
        return node

    return resolved(schema)


def _with_subscriber_rules(account: dict[str, Any]) -> dict[str, Any]:
    subscriber = account["properties"]["avatars"]["items"]["properties"]["subscribers"]["items"]
    subscriber["properties"]["email"]["anyOf"][0] |= {
        "maxLength": MAX_EMAIL_LENGTH,
        "pattern": f"^{EMAIL_PATTERN}$",
    }
    subscriber["anyOf"] = [
        {"required": [name], "properties": {name: {"type": "string", "minLength": 1}}} for name in IDENTITY_FIELDS
    ]
    return account


_ACCOUNT = _with_subscriber_rules(_inlined(AccountSeed.model_json_schema()))
_WHOLE = _inlined(FixtureDocument.model_json_schema())
_WHOLE["properties"]["accounts"]["items"] = _ACCOUNT
_STAMPS = {name: _WHOLE["properties"][name] for name in VERSION_FIELDS}
# In a tenant's document the account's own api_key, if any, is replaced by the tenant's.
_TENANT_ACCOUNT = {
    **_ACCOUNT,
    "properties": {**_ACCOUNT["properties"], "api_key": {"description": "Ignored: the tenant's key is used"}},
    "required": [],
}

DOCUMENT: dict[str, Any] = {**_WHOLE, "description": f"A fixture document. {_RULES}"}
TENANT_DOCUMENT: dict[str, Any] = {
    "description": f"One tenant's content: a fixture document of one account, or just its avatars. {_RULES}",
    "anyOf": [
        {
            "type": "object",
            "properties": {
                **_STAMPS,
                "accounts": {"type": "array", "items": _TENANT_ACCOUNT, "minItems": 1, "maxItems": 1},
            },
            "required": ["accounts"],
            "additionalProperties": False,
        },
        {**_TENANT_ACCOUNT, "properties": {**_STAMPS, **_TENANT_ACCOUNT["properties"]}},
    ],
}
