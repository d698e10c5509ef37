"""Fault injection: make matching SmartEngage requests fail or wait."""

from typing import Any

from fastapi import APIRouter, Response

from .. import errors
from ..deps import AppFaults
from ..faults import FaultSpec

router = APIRouter()


@router.post("/faults", status_code=201, summary="Add a fault for the next matching requests")
async def add_fault(spec: FaultSpec, faults: AppFaults) -> dict[str, Any]:
    return faults.add(spec).public()


@router.get("/faults", summary="The faults, with how often each fired")
async def list_faults(faults: AppFaults) -> list[dict[str, Any]]:
    return [fault.public() for fault in faults.all()]


@router.delete("/faults", status_code=204, summary="Remove every fault")
async def clear_faults(faults: AppFaults) -> Response:
    faults.clear()
    return Response(status_code=204)


@router.delete("/faults/{fault_id}", status_code=204, summary="Remove one fault")
async def remove_fault(fault_id: int, faults: AppFaults) -> Response:
    if not faults.remove(fault_id):
        raise errors.ApiError(404, f"No such fault: {fault_id}", param="fault_id")
    return Response(status_code=204)
