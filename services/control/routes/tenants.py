"""/admin/v1/tenants"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response

from services.control.auth import control, require_admin
from services.control.bootstrap import Control
from services.control.schemas import CreateTenant, Page, TenantView
from services.control.service_layer import tenants

router = APIRouter(prefix="/admin/v1/tenants", tags=["tenants"], dependencies=[Depends(require_admin)])


@router.post("", status_code=201, summary="Create a tenant")
async def create_tenant(body: CreateTenant, ctl: Control = Depends(control)) -> TenantView:
    return await tenants.create_tenant(ctl, body)


@router.get("", summary="List tenants with their active key counts")
async def list_tenants(ctl: Control = Depends(control)) -> Page[TenantView]:
    return await tenants.list_tenants(ctl)


@router.get("/{name}", summary="One tenant")
async def get_tenant(name: str, ctl: Control = Depends(control)) -> TenantView:
    return await tenants.get_tenant(ctl, name)


@router.delete("/{name}", status_code=204, summary="Delete a tenant (409 while it has unrevoked keys, unless forced)")
async def delete_tenant(
    name: str,
    ctl: Control = Depends(control),
    force: bool = Query(False, description="Revoke the tenant's keys everywhere, then delete."),
) -> Response:
    await tenants.delete_tenant(ctl, name, force=force)
    return Response(status_code=204)
