"""The body of ``POST /api/v1/instruments``: an instrument document as JSON, or a file (an XLSForm workbook,
YAML or JSON) uploaded as the multipart field ``file``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from survey_api.errors import InvalidInput

_EXPECTED = (
    "send an instrument document as a JSON object, or a file (.xlsx, .yaml, .json) as the multipart field `file`"
)
# The request body as OpenAPI describes it (read by the dependency below, not by FastAPI's body parsing).
REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "description": "An instrument document, as in instruments/data"}
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "An XLSForm workbook (.xlsx) or an instrument file (.yaml, .json)",
                        }
                    },
                }
            },
        },
    }
}


@dataclass(frozen=True)
class InstrumentUpload:
    """Either a parsed JSON document, or an uploaded file's name and bytes."""

    document: dict[str, Any] | None = None
    name: str = ""
    data: bytes = b""


async def instrument_upload(request: Request) -> InstrumentUpload:
    """The request's instrument: a multipart ``file``, or the JSON body (422 for anything else)."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput(_EXPECTED, errors=[{"item": "file", "problem": "missing"}])
        return InstrumentUpload(name=upload.filename, data=await upload.read())
    try:
        body = await request.json()
    except ValueError:
        raise InvalidInput(_EXPECTED, errors=[{"item": "body", "problem": "not JSON"}]) from None
    if not isinstance(body, dict):
        raise InvalidInput(_EXPECTED, errors=[{"item": "body", "problem": "not a JSON object"}])
    return InstrumentUpload(document=body)
