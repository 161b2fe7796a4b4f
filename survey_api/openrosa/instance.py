"""Reading a submitted instance against its form: every element known, each value of its question's type.

Values are converted to what the JSON API takes (numbers, lists of option values, text) and then checked
by the collection service like any other response; here only the instance's shape and the types are
checked. An empty element is an unanswered question, as on the tablet.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

from survey_api.errors import InvalidInput
from survey_api.openrosa.form import FormSpec, Question

_WHOLE = re.compile(r"-?[0-9]{1,9}")
_INSTANCE_ID = re.compile(r"uuid:([0-9a-fA-F-]{32,36})")
META_FIELDS = ("instanceID", "instanceName")


@dataclass(frozen=True)
class Header:
    """What names the form and the response: the instance's form id and its ``meta/instanceID``."""

    form_id: str
    response_id: uuid.UUID


def _problem(item: str, problem: str) -> InvalidInput:
    return InvalidInput(
        f"the submission was not stored: {item}: {problem}", errors=[{"item": item, "problem": problem}]
    )


def read_header(root: Element) -> Header:
    """The form id and response id of an instance (422 when either is missing or malformed)."""
    form = root.get("id")
    if not form:
        raise _problem(root.tag, "the instance's root element has no form id (attribute `id`)")
    meta = _only(root, "meta")
    found = _only(meta, "instanceID") if meta is not None else None
    text = (found.text or "").strip() if found is not None else ""
    match = _INSTANCE_ID.fullmatch(text)
    if match is None:
        raise _problem("meta/instanceID", "give the instance id as uuid:<UUID>")
    try:
        return Header(form, uuid.UUID(match.group(1)))
    except ValueError:
        raise _problem("meta/instanceID", f"{text[:60]!r} is not a UUID") from None


def _only(parent: Element, tag: str) -> Element | None:
    found = [child for child in parent if child.tag == tag]
    if len(found) > 1:
        raise _problem(tag, "the element appears more than once")
    return found[0] if found else None


def read_fields(root: Element, spec: FormSpec) -> dict[str, Any]:
    """The instance as the fields of a JSON response body (id, version, assignment and channel excepted)."""
    fields: dict[str, Any] = {"answers": {}}
    groups = {group.name: group for group in spec.groups}
    simple = {"start": "started_at", "end": "completed_at", "assignment": None, "meta": None}
    if spec.asks_respondent_type:
        simple["respondent_type"] = "respondent_type"
    if spec.sample:
        simple["case_ref"] = "case_ref"
    seen: set[str] = set()
    for child in root:
        name = child.tag
        if name in seen:
            raise _problem(name, "the element appears more than once")
        seen.add(name)
        if name == "meta":
            _check_meta(child)
        elif name in simple:
            value = _leaf(child, name)
            if name == "assignment" and value not in (None, str(spec.assignment_id)):
                raise _problem(
                    name, f"the instance is for assignment {value[:20]!r}, its form for {spec.assignment_id}"
                )
            if (field := simple[name]) is not None and value is not None:
                fields[field] = value
        elif name in groups:
            questions = {question.name: question for question in groups[name].questions}
            for element in child:
                question = questions.get(element.tag)
                where = f"{name}/{element.tag}"
                if question is None:
                    raise _problem(where, f"form {spec.form_id} has no such question")
                if question.item.code in fields["answers"]:
                    raise _problem(where, "the element appears more than once")
                value = _leaf(element, where)
                if value is not None:
                    fields["answers"][question.item.code] = _value(question, value, where)
        else:
            raise _problem(name, f"form {spec.form_id} has no such field or group")
    return fields


def _check_meta(meta: Element) -> None:
    for element in meta:
        if element.tag not in META_FIELDS:
            raise _problem(f"meta/{element.tag}", "this metadata is not accepted")


def _leaf(element: Element, where: str) -> str | None:
    """The text of an element that must hold a value, None when it is empty."""
    if len(element):
        raise _problem(where, "a value was expected, not nested elements")
    text = (element.text or "").strip()
    return text or None


def _value(question: Question, text: str, where: str) -> Any:
    kind = question.item.type
    if kind == "free_text":
        return text
    if kind == "multiple_choice":
        parts = text.split()
        if not all(_WHOLE.fullmatch(part) for part in parts):
            raise _problem(where, f"{text[:60]!r} is not a space-separated list of option values")
        return [int(part) for part in parts]
    if not _WHOLE.fullmatch(text):
        raise _problem(where, f"{text[:60]!r} is not a whole number")
    return int(text)
