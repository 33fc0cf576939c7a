"""Tenants: created explicitly or on a key's first use; deleted only without active keys unless forced."""

from __future__ import annotations

from libs.common.errors import Conflict, NotFound
from libs.common.messages import utcnow
from services.control.bootstrap import Control
from services.control.repositories import keys, tenants
from services.control.schemas import CreateTenant, Page, TenantView
from services.control.service_layer.common import publish_change


async def create_tenant(ctl: Control, req: CreateTenant) -> TenantView:
    async with ctl.sessions() as session, session.begin():
        if not await tenants.ensure(session, req.name):
            raise Conflict(f"Tenant {req.name!r} already exists.", code="tenant_exists")
        tenant = await tenants.get(session, req.name)
        assert tenant is not None
        return TenantView(name=tenant.name, active_keys=0, created_at=tenant.created_at)


async def list_tenants(ctl: Control) -> Page[TenantView]:
    async with ctl.sessions() as session:
        rows = await tenants.list_with_counts(session)
    return Page[TenantView](data=[TenantView(name=t.name, active_keys=n, created_at=t.created_at) for t, n in rows])


async def get_tenant(ctl: Control, name: str) -> TenantView:
    async with ctl.sessions() as session:
        rows = await tenants.list_with_counts(session, name)
    if not rows:
        raise NotFound(f"No tenant named {name!r}.", code="tenant_not_found")
    tenant, active = rows[0]
    return TenantView(name=tenant.name, active_keys=active, created_at=tenant.created_at)


async def delete_tenant(ctl: Control, name: str, *, force: bool) -> None:
    """Delete a tenant and its keys. With active keys, only when forced: they are revoked everywhere first."""
    async with ctl.sessions() as session, session.begin():
        if await tenants.get(session, name) is None:
            raise NotFound(f"No tenant named {name!r}.", code="tenant_not_found")
        live = await keys.of_tenant(session, name)
        if live and not force:
            raise Conflict(
                f"Tenant {name!r} has {len(live)} unrevoked key(s); revoke them first or delete with ?force=true.",
                code="tenant_has_keys",
            )
        now = utcnow()
        for row, profile_row in live:
            row.revoked_at = now
            await publish_change(session, row, profile_row, "revoked")
        await tenants.remove(session, name)
    if live:
        ctl.changed()
