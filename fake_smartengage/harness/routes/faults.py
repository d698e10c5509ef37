"""Fault injection: make matching SmartEngage requests fail or wait."""

from typing import Any

from fastapi import APIRouter, Response

from ... import errors
from ..faults import FaultSpec
from .deps import AppHarness

router = APIRouter()


@router.post("/faults", status_code=201, summary="Add a fault for the next matching requests")
async def add_fault(spec: FaultSpec, harness: AppHarness) -> dict[str, Any]:
    return harness.faults.add(spec).public()


@router.get("/faults", summary="The faults, with how often each fired")
async def list_faults(harness: AppHarness) -> list[dict[str, Any]]:
    return [fault.public() for fault in harness.faults.all()]


@router.delete("/faults", status_code=204, summary="Remove every fault")
async def clear_faults(harness: AppHarness) -> Response:
    harness.faults.clear()
    return Response(status_code=204)


@router.delete("/faults/{fault_id}", status_code=204, summary="Remove one fault")
async def remove_fault(fault_id: int, harness: AppHarness) -> Response:
    if not harness.faults.remove(fault_id):
        raise errors.unknown_fault(fault_id)
    return Response(status_code=204)
