"""What every page module shares: the page language (asked for, or remembered in a cookie) and the posted form."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from survey_web.i18n import language

LANGUAGE_COOKIE = "sv_lang"


def page_language(request: Request) -> str:
    """The language a page is shown in: ``?lang=`` when given, else the remembered one, else Vietnamese."""
    return language(request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE))


async def form_data(request: Request) -> FormData:
    """The posted form (read in the event loop, so that the endpoint itself can stay synchronous)."""
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]
