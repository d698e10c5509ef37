"""The SmartEngage routes this server answers, read from the route table: for the dashboard's
fault form, and for tests and tools that want the list without hard-coding it."""

from fastapi import APIRouter
from pydantic import BaseModel

from ...api.table import ROUTES

router = APIRouter()


class RoutePublic(BaseModel):
    name: str
    path: str  # as the reference spells it
    other_path: str  # the other trailing-slash spelling, answered too
    methods: list[str]  # as the reference documents them
    other_methods: list[str]  # answered too, by the fake's choice
    basis: str


@router.get("/routes", summary="The SmartEngage routes served, from the route table")
async def list_routes() -> list[RoutePublic]:
    return [
        RoutePublic(
            name=route.name,
            path=route.path,
            other_path=route.other_path,
            methods=list(route.methods),
            other_methods=list(route.other_methods),
            basis=route.basis,
        )
        for route in ROUTES
    ]
