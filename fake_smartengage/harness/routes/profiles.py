"""Behaviour profiles: the switches, the server's profile, and a tenant's own switches.

Switches are sent as a JSON object of switch names and alternatives. A switch the server's
profile leaves out takes its default; one a tenant's leaves out, the server's alternative.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel

from ... import errors
from ...api.behaviour import DEFAULT, SWITCHES, Profile, ProfileError
from .deps import AppHarness

router = APIRouter()

# FastAPI reads the body as any JSON object; Profile.with_changes checks it exactly as this schema
# states (each switch's alternatives, nothing else), so the document says what is enforced.
_SWITCHES_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        switch.name: {
                            "type": "string",
                            "enum": list(switch.alternatives),
                            "description": switch.description,
                        }
                        for switch in SWITCHES
                    },
                }
            }
        },
    }
}
Switches = Annotated[dict[str, Any], Body()]
ApiKey = Annotated[str, Path(min_length=1, description="The tenant's API key")]


class SwitchPublic(BaseModel):
    name: str
    alternatives: list[str]
    default: str
    description: str
    learned_by: str


class ProfilePublic(BaseModel):
    switches: dict[str, str]  # those set: for the server, away from their defaults; for a tenant, its own
    profile: dict[str, str]  # every switch, and the alternative in force


@router.get("/switches", summary="Every behaviour switch: its alternatives, default and how verify learns it")
async def list_switches() -> list[SwitchPublic]:
    return [
        SwitchPublic(
            name=switch.name,
            alternatives=list(switch.alternatives),
            default=switch.default,
            description=switch.description,
            learned_by=switch.learned_by,
        )
        for switch in SWITCHES
    ]


@router.get("/profile", summary="The server's profile")
async def get_server_profile(harness: AppHarness) -> ProfilePublic:
    return _public(harness.profile.changes(), harness.profile)


@router.put("/profile", summary="Set the server's profile", openapi_extra=_SWITCHES_BODY)
async def set_server_profile(switches: Switches, harness: AppHarness) -> ProfilePublic:
    harness.set_server_profile(_checked(lambda: DEFAULT.with_changes(switches)))
    return _public(harness.profile.changes(), harness.profile)


@router.get("/tenants/{api_key}/profile", summary="A tenant's own switches, and the profile in force")
async def get_tenant_profile(api_key: ApiKey, harness: AppHarness) -> ProfilePublic:
    return _public(harness.tenant_switches(api_key), harness.profile_for(api_key))


@router.put("/tenants/{api_key}/profile", summary="Set a tenant's own switches", openapi_extra=_SWITCHES_BODY)
async def set_tenant_profile(api_key: ApiKey, switches: Switches, harness: AppHarness) -> ProfilePublic:
    profile = _checked(lambda: harness.set_tenant_switches(api_key, switches))
    return _public(harness.tenant_switches(api_key), profile)


def _public(switches: dict[str, str], profile: Profile) -> ProfilePublic:
    return ProfilePublic(switches=switches, profile=profile.values())


def _checked(make: Callable[[], Profile]) -> Profile:
    try:
        return make()
    except ProfileError as error:
        raise errors.invalid_profile(str(error)) from None
