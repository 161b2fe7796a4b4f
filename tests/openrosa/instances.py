"""Filling in a downloaded XForm as ODK Collect does: its primary instance with answers, times and an id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element, SubElement, fromstring, tostring

from survey_api.openrosa.form import xml_name

XF = "{http://www.w3.org/2002/xforms}"


def primary_instance(xform: bytes) -> Element:
    """The form's ``<data>`` element (our own output, so the standard parser is fine here)."""
    root = fromstring(xform)
    data = root.find(f"./{{http://www.w3.org/1999/xhtml}}head/{XF}model/{XF}instance/{XF}data")
    assert data is not None
    return data


def fill(xform: bytes, answers: dict[str, Any], *, response_id: uuid.UUID | None = None, **fields: str) -> bytes:
    """An instance of ``xform`` answering ``answers`` (by item code); ``fields`` set top-level fields."""
    template = primary_instance(xform)
    values = {xml_name(code): value for code, value in answers.items()}
    now = datetime.now(UTC).replace(microsecond=0)
    top = {"start": (now - timedelta(minutes=9)).isoformat(), "end": now.isoformat(), **fields}
    out = Element("data", {"id": template.attrib["id"], "version": template.attrib["version"]})
    for child in template:
        name = child.tag.removeprefix(XF)
        node = SubElement(out, name)
        if name == "meta":
            SubElement(node, "instanceID").text = f"uuid:{response_id or uuid.uuid4()}"
        elif len(child):
            for question in child:
                qname = question.tag.removeprefix(XF)
                element = SubElement(node, qname)
                value = values.get(qname)
                if value is not None:
                    element.text = " ".join(map(str, value)) if isinstance(value, list) else str(value)
        else:
            node.text = top.get(name, child.text)
    return b'<?xml version="1.0" encoding="UTF-8"?>' + tostring(out, encoding="unicode").encode()


def multipart(xml: bytes) -> dict[str, Any]:
    """The ``files`` argument of a submission POST."""
    return {"xml_submission_file": ("submission.xml", xml, "text/xml")}
