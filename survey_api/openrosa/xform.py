"""The ODK XForm (XForms 1.0 with the JavaRosa and OpenRosa extensions) of an assignment's form.

Vietnamese is the default language and English the second, both through ``itext``; an English text the
instrument lacks falls back to the Vietnamese one. The instance carries the assignment id (also in the form
id), start and end times, and ``meta/instanceID``, which becomes the response's id. The form's version is a
digest of its own text, so it changes exactly when the form does.
"""

from __future__ import annotations

import hashlib
from xml.etree.ElementTree import Element, SubElement

from survey_api.collection.answers import MAX_TEXT_LENGTH
from survey_api.instruments.document import Condition, Item, Text
from survey_api.openrosa.form import RESPONDENT_LABELS, FormSpec, Question
from survey_api.openrosa.xmltools import document as xml_document

NAMESPACES = {
    "xmlns": "http://www.w3.org/2002/xforms",
    "xmlns:h": "http://www.w3.org/1999/xhtml",
    "xmlns:jr": "http://openrosa.org/javarosa",
    "xmlns:orx": "http://openrosa.org/xforms",
    "xmlns:odk": "http://www.opendatakit.org/xforms",
    "xmlns:xsd": "http://www.w3.org/2001/XMLSchema",
}
LANGUAGES = (("vi", "Vietnamese (vi)"), ("en", "English (en)"))
ROOT = "/data"
_VERSION_SLOT = "0000000000"


def render(spec: FormSpec) -> bytes:
    """The XForm of ``spec`` as UTF-8 bytes (the same bytes for the same form, so its MD5 is its hash)."""
    texts: dict[str, Text] = {}
    html = Element("h:html", NAMESPACES)
    head = SubElement(html, "h:head")
    SubElement(head, "h:title").text = spec.title
    model = SubElement(head, "model", {"odk:xforms-version": "1.0.0"})
    itext = SubElement(model, "itext")
    instance = SubElement(SubElement(model, "instance"), "data", {"id": spec.form_id, "version": _VERSION_SLOT})
    body = SubElement(html, "h:body")

    _bind(model, f"{ROOT}/start", "dateTime", {"jr:preload": "timestamp", "jr:preloadParams": "start"})
    _bind(model, f"{ROOT}/end", "dateTime", {"jr:preload": "timestamp", "jr:preloadParams": "end"})
    SubElement(instance, "start")
    SubElement(instance, "end")
    SubElement(instance, "assignment").text = str(spec.assignment_id)
    _bind(model, f"{ROOT}/assignment", "int", {"readonly": "true()"})
    if spec.asks_respondent_type:
        _respondent_type(spec, instance, model, body, texts)
    if spec.sample:
        _case_ref(spec, instance, model, body, texts)
    paths: dict[str, str] = {}
    for group in spec.groups:
        path = f"{ROOT}/{group.name}"
        node = SubElement(instance, group.name)
        control = SubElement(body, "group", {"ref": path})
        _label(control, path, group.section.title, texts)
        for question in group.questions:
            SubElement(node, question.name)
            paths[question.item.code] = f"{path}/{question.name}"
            _question(model, control, paths[question.item.code], question, texts, paths)
    meta = SubElement(instance, "meta")
    SubElement(meta, "instanceID")
    _bind(model, f"{ROOT}/meta/instanceID", "string", {"readonly": "true()", "jr:preload": "uid"})
    _translations(itext, texts)
    draft = xml_document(html)
    version = hashlib.sha256(draft).hexdigest()[: len(_VERSION_SLOT)]
    return draft.replace(f'version="{_VERSION_SLOT}"'.encode(), f'version="{version}"'.encode(), 1)


def form_version(xform: bytes) -> str:
    """The version written in a rendered XForm."""
    start = xform.index(b' version="', xform.index(b"<data ")) + len(b' version="')
    return xform[start : xform.index(b'"', start)].decode()


def _bind(model: Element, path: str, kind: str, extra: dict[str, str] | None = None) -> None:
    SubElement(model, "bind", {"nodeset": path, "type": kind, **(extra or {})})


def _label(control: Element, text_id: str, text: Text, texts: dict[str, Text]) -> None:
    texts[f"{text_id}:label"] = text
    SubElement(control, "label", {"ref": f"jr:itext('{text_id}:label')"})


def _respondent_type(spec: FormSpec, instance: Element, model: Element, body: Element, texts: dict[str, Text]) -> None:
    path = f"{ROOT}/respondent_type"
    SubElement(instance, "respondent_type")
    _bind(model, path, "string", {"required": "true()"})
    control = SubElement(body, "select1", {"ref": path})
    _label(control, path, Text(vi="Người trả lời là", en="The respondent is"), texts)
    for kind in spec.document.respondent_types:
        item = SubElement(control, "item")
        _label(item, f"{path}/{kind}", RESPONDENT_LABELS[kind], texts)
        SubElement(item, "value").text = kind


def _case_ref(spec: FormSpec, instance: Element, model: Element, body: Element, texts: dict[str, Text]) -> None:
    path = f"{ROOT}/case_ref"
    SubElement(instance, "case_ref")
    _bind(model, path, "string", {"required": "true()"})
    control = SubElement(body, "select1", {"ref": path, "appearance": "autocomplete"})
    _label(control, path, Text(vi="Đối tượng trong danh sách mẫu", en="Entry of the sample list"), texts)
    for entry in spec.sample:
        item = SubElement(control, "item")
        SubElement(item, "label").text = entry.label
        SubElement(item, "value").text = entry.ref


def _question(
    model: Element, group: Element, path: str, question: Question, texts: dict[str, Text], paths: dict[str, str]
) -> None:
    item = question.item
    extra = {"required": "true()"} if item.required else {}
    if item.shown_if is not None:
        extra["relevant"] = relevance(item.shown_if, paths[item.shown_if.item])
    constraint = _constraint(item)
    if constraint is not None:
        rule, message = constraint
        texts[f"{path}:constraintMsg"] = message
        extra |= {"constraint": rule, "jr:constraintMsg": f"jr:itext('{path}:constraintMsg')"}
    if question.choices:
        _bind(model, path, "string", extra)
        control = SubElement(group, "select" if item.type == "multiple_choice" else "select1", {"ref": path})
        _label(control, path, item.text, texts)
        for option in question.choices:
            choice = SubElement(control, "item")
            _label(choice, f"{path}/{option.value}", option.label, texts)
            SubElement(choice, "value").text = str(option.value)
        return
    _bind(model, path, "string" if item.type == "free_text" else "int", extra)
    control = SubElement(group, "input", {"ref": path})
    _label(control, path, item.text, texts)


def relevance(condition: Condition, path: str) -> str:
    """The XPath of a condition on the question at ``path``: ``selected()`` of each option (``or``-ed; it
    reads both single and multiple choices), or a non-empty answer."""
    if condition.any_of is None:
        return f"string-length({path}) > 0"
    return " or ".join(f"selected({path}, '{value}')" for value in condition.any_of)


def _constraint(item: Item) -> tuple[str, Text] | None:
    if item.type == "score_0_100":
        low, high = 0, 100
    elif item.type == "integer" and item.min is not None and item.max is not None:
        low, high = item.min, item.max
    elif item.type == "free_text":
        return f"string-length(.) <= {MAX_TEXT_LENGTH}", Text(
            vi=f"Tối đa {MAX_TEXT_LENGTH} ký tự", en=f"At most {MAX_TEXT_LENGTH} characters"
        )
    else:
        return None
    return f". >= {low} and . <= {high}", Text(
        vi=f"Nhập số nguyên từ {low} đến {high}", en=f"Enter a whole number from {low} to {high}"
    )


def _translations(itext: Element, texts: dict[str, Text]) -> None:
    for code, name in LANGUAGES:
        attributes = {"lang": name, **({"default": "true()"} if code == "vi" else {})}
        translation = SubElement(itext, "translation", attributes)
        for text_id, text in texts.items():
            entry = SubElement(translation, "text", {"id": text_id})
            SubElement(entry, "value").text = text.vi if code == "vi" else (text.en or text.vi)
