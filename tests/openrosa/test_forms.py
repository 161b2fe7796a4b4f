"""The form list and the XForms: one form per current assignment, well-formed and complete.

ODK Validate (javarosa) needs a jar that cannot be fetched here, and pyxform builds XForms from XLSForm
rather than validating them: the XForms are checked structurally instead (binds, controls, itext vi/en).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from xml.etree.ElementTree import Element, fromstring

import pytest
from fastapi.testclient import TestClient

from survey_api.openrosa.form import xml_name
from tests.openrosa.conftest import Account

LIST = "{http://openrosa.org/xforms/xformsList}"
XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"
JR = "{http://openrosa.org/javarosa}"


def listed(client: TestClient, who: Account, **params: str) -> list[dict[str, str]]:
    reply = client.get("/openrosa/formList", params=params, auth=who.auth)
    assert reply.status_code == 200, reply.text
    assert reply.headers["X-OpenRosa-Version"] == "1.0"
    root = fromstring(reply.content)
    assert root.tag == f"{LIST}xforms"
    return [{child.tag.removeprefix(LIST): child.text or "" for child in form} for form in root]


def test_the_form_list_names_each_current_assignment_and_the_hash_of_its_xform(
    client: TestClient, volunteer: Account, account: Callable[..., Account], sipas: dict[str, Any], assign: Any
) -> None:
    first = assign(volunteer, sipas)
    second = assign(volunteer, sipas, unit="d2")
    assign(volunteer, sipas, ends_on=(date.today() - timedelta(days=30)).isoformat())  # ended: not listed
    assign(account("volunteer"), sipas)  # someone else's
    forms = listed(client, volunteer)
    assert [f["formID"] for f in forms] == [f"assignment-{first}", f"assignment-{second}"]
    for form in forms:
        assert form["name"].startswith("Phiếu khảo sát")
        assert form["downloadUrl"] == f"http://testserver/openrosa/forms/{form['formID']}"
        xform = client.get(form["downloadUrl"], auth=volunteer.auth)
        assert xform.status_code == 200
        assert xform.headers["content-type"].startswith("text/xml")
        assert form["hash"] == "md5:" + hashlib.md5(xform.content).hexdigest()
        data = fromstring(xform.content).find(f"{H}head/{XF}model/{XF}instance/{XF}data")
        assert data is not None and data.get("version") == form["version"]
    assert [f["formID"] for f in listed(client, volunteer, formID=f"assignment-{second}")] == [f"assignment-{second}"]


def test_another_volunteers_form_or_an_unknown_one_is_404(
    client: TestClient, volunteer: Account, account: Callable[..., Account], sipas: dict[str, Any], assign: Any
) -> None:
    theirs = assign(account("volunteer"), sipas)
    for form in (f"assignment-{theirs}", "assignment-99999999", "nonsense", "assignment-" + "9" * 40):
        reply = client.get(f"/openrosa/forms/{form}", auth=volunteer.auth)
        assert reply.status_code == 404, form
        assert b"OpenRosaResponse" in reply.content


def _by_ref(root: Element, tag: str) -> dict[str, Element]:
    return {e.attrib["ref"]: e for e in root.iter(tag) if "ref" in e.attrib}


@pytest.mark.parametrize("code", ["sipas", "health-inpatient", "one-stop-dossier"])
def test_the_xform_has_a_bind_a_control_and_vi_en_labels_for_every_question(
    client: TestClient, volunteer: Account, official: dict[str, int], assign: Any, code: str
) -> None:
    from tests.api.helpers import instrument

    inst = instrument(client, code)
    form = assign(volunteer, inst, sample=[{"ref": "HH-1", "label": "Nhà số 1"}, {"ref": "HH-2"}])
    xform = client.get(f"/openrosa/forms/assignment-{form}", auth=volunteer.auth).content
    root = fromstring(xform)  # well-formed
    model = root.find(f"{H}head/{XF}model")
    assert model is not None
    binds = {b.attrib["nodeset"]: b for b in model.iter(f"{XF}bind")}
    translations = {t.attrib["lang"]: t for t in model.iter(f"{XF}translation")}
    assert set(translations) == {"Vietnamese (vi)", "English (en)"}
    assert translations["Vietnamese (vi)"].get("default") == "true()"
    texts = {lang: {t.attrib["id"]: t.findtext(f"{XF}value") for t in tr} for lang, tr in translations.items()}
    assert texts["Vietnamese (vi)"].keys() == texts["English (en)"].keys()
    body = root.find(f"{H}body")
    assert body is not None
    controls = {**_by_ref(body, f"{XF}input"), **_by_ref(body, f"{XF}select1"), **_by_ref(body, f"{XF}select")}
    groups = _by_ref(body, f"{XF}group")

    tablet_items = [i for i in inst["items"] if "tablet" not in i.get("hidden_on", [])]
    sections = {i["section"] for i in tablet_items}
    assert len(groups) == len(sections)
    for item in tablet_items:
        path = next(p for p in controls if p.endswith("/" + xml_name(item["code"])))
        bind = binds[path]
        expected = {"scale_1_5": "string", "single_choice": "string", "multiple_choice": "string"}
        assert bind.attrib["type"] == expected.get(item["type"], "string" if item["type"] == "free_text" else "int")
        assert bind.get("required") == ("true()" if item["required"] else None)
        tag = {"multiple_choice": "select", "single_choice": "select1", "scale_1_5": "select1"}.get(
            item["type"], "input"
        )
        assert controls[path].tag == f"{XF}{tag}"
        label = controls[path].find(f"{XF}label")
        assert label is not None and label.attrib["ref"] == f"jr:itext('{path}:label')"
        assert texts["Vietnamese (vi)"][f"{path}:label"] == item["text"]
        assert texts["English (en)"][f"{path}:label"] == (item["text_en"] or item["text"])
        if tag != "input":
            values = [v.text for v in controls[path].iter(f"{XF}value")]
            assert values == [str(o["value"]) for o in item["options"]] or item["type"] == "scale_1_5"
        if item["type"] == "integer":
            assert bind.attrib["constraint"] == f". >= {item['min']} and . <= {item['max']}"
    instance_id = binds["/data/meta/instanceID"]
    assert instance_id.get(f"{JR}preload") == "uid" and instance_id.get("readonly") == "true()"
    assert binds["/data/assignment"].get("type") == "int"
    data = model.find(f"{XF}instance/{XF}data")
    assert data is not None and data.findtext(f"{XF}assignment") == str(form)
    assert [v.text for v in controls["/data/case_ref"].iter(f"{XF}value")] == ["HH-1", "HH-2"]
    assert ("/data/respondent_type" in controls) == (len(inst.get("respondent_types", ["person"])) > 1)
