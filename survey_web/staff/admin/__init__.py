"""The admin area (/staff/admin/): accounts, service points and QR posters, instruments, volunteers and
assignments, and the units over time. Admins only (others get a 403 page); every page is a client of the
services the API uses, so the rules and the audit log are the API's."""

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from survey_web.staff.admin import fieldwork, instruments, points, units, users
from survey_web.staff.admin.common import ADMIN
from survey_web.staff.csrf import SameOriginRoute

router = APIRouter(include_in_schema=False, route_class=SameOriginRoute)


@router.get(ADMIN)
@router.get(ADMIN + "/")
def admin_home() -> RedirectResponse:
    """The admin area opens on its first section, the accounts."""
    return RedirectResponse(ADMIN + "/users", status_code=303)


for section in (users, points, instruments, fieldwork, units):
    router.include_router(section.router)

__all__ = ["router"]
