"""/admin/v1/profiles"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from services.control.auth import control, require_admin
from services.control.bootstrap import Control
from services.control.schemas import CreateProfile, Page, ProfileView, UpdateProfile
from services.control.service_layer import profiles

router = APIRouter(prefix="/admin/v1/profiles", tags=["key profiles"], dependencies=[Depends(require_admin)])


@router.post("", status_code=201, summary="Create a key profile")
async def create_profile(body: CreateProfile, ctl: Control = Depends(control)) -> ProfileView:
    return await profiles.create_profile(ctl, body)


@router.get("", summary="List key profiles")
async def list_profiles(ctl: Control = Depends(control)) -> Page[ProfileView]:
    return await profiles.list_profiles(ctl)


@router.get("/{ref}", summary="One key profile, by id or name")
async def get_profile(ref: str, ctl: Control = Depends(control)) -> ProfileView:
    return await profiles.get_profile(ctl, ref)


@router.patch("/{ref}", summary="Change a key profile; every key using it is republished")
async def update_profile(ref: str, body: UpdateProfile, ctl: Control = Depends(control)) -> ProfileView:
    return await profiles.update_profile(ctl, ref, body)


@router.delete("/{ref}", status_code=204, summary="Delete a key profile (409 while unrevoked keys use it)")
async def delete_profile(ref: str, ctl: Control = Depends(control)) -> Response:
    await profiles.delete_profile(ctl, ref)
    return Response(status_code=204)
