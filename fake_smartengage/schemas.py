"""The documented response shapes, defined once.

Field order is the order the reference prints, and ids are strings, as the real API sends them.
Every route renders through these models, and /openapi.json describes them.
"""

from typing import Any

from pydantic import BaseModel


class AvatarPublic(BaseModel):
    brand_name: str | None
    avatar_id: str
    brand_image: str | None
    user_role: str | None
    facebook_page_id: str | None


class TagPublic(BaseModel):
    tag_id: str
    tag_name: str


class CustomFieldPublic(BaseModel):
    custom_field_id: str
    custom_field_name: str


class SequencePublic(BaseModel):
    sequence_id: str
    sequence_name: str


class CustomValuePublic(BaseModel):
    custom_field_id: str
    custom_field_name: str
    custom_value: str


class SequenceStatusPublic(BaseModel):
    sequence_id: str
    sequence_name: str
    status: str


class SubscriberPublic(BaseModel):
    id: str
    full_name: str | None
    email: str | None
    ip: str | None
    gender: str | None
    language: str | None
    place: str | None
    facebook_id: str | None
    push_id: str | None
    tags: list[str]
    custom_fields: list[CustomValuePublic]
    sequences: list[SequenceStatusPublic]


# A subscriber object as the store builds it (`store.hydration`): a dict in the shape of
# `SubscriberPublic`, which documents it; validating each would cost more than reading it.
SubscriberObject = dict[str, Any]
# An avatar, tag, custom field or sequence as the store lists it: a dict in the shape of
# `AvatarPublic`, `TagPublic`, `CustomFieldPublic` or `SequencePublic`, for the same reason.
AvatarObject = dict[str, str | None]
CatalogueItem = dict[str, str]


class ErrorDetail(BaseModel):
    type: str
    message: str
    param: str | None


class ErrorBody(BaseModel):
    error: ErrorDetail
