"""Demo data: the plan's eight district-level units of 2022 and the map that replaced them on 2025-07-01
(``units.demo_map``), health and education units, responses on the map of their day, a sampling plan with its
interviews (``demo_plan``) and census margins (``demo_census``): the whole chain to a weighted index with
confidence intervals.

The district desks answered in the first half of 2025 and their QR links now show the closed page naming the
successor; each new ward or commune has its own desk, where the recent answers were given.

Loading twice changes nothing: units are found by code, responses are only generated into a database that
has none of the demo's (whose ids are derived from a fixed namespace), the plan is found by name and the
margins by their period.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from survey_api import demo_census
from survey_api.auth.service import create_user, user_by_username
from survey_api.collection.schemas import ResponseIn
from survey_api.collection.service import stored_response, submit
from survey_api.db.base import utcnow
from survey_api.db.models import Assignment, InstrumentVersion, OrgUnit, Response, ServicePoint, User
from survey_api.demo_plan import PLAN_UNIT, load_plan
from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.service import document_of, load_official
from survey_api.margins.schemas import MarginsIn
from survey_api.margins.service import list_margins, put_margins
from survey_api.qr.service import ensure_link
from survey_api.units.service import load_demo_map, unit_by_code, units_valid_on

DEMO_NAMESPACE = uuid.UUID("6f1c7a52-3a5e-4b7e-9a59-2f0f5e0c2d11")
MAP_OF_2022 = date(2004, 1, 1)
NEW_MAP = date(2025, 7, 1)
# The district desks' answers: the first half of 2025, the last half-year of the district map.
DISTRICT_ANSWERS = (datetime(2025, 1, 1, 8, tzinfo=UTC), datetime(2025, 6, 30, 8, tzinfo=UTC))
DEMO_VOLUNTEER = "tnv-demo"
# Staff accounts for the staff pages and the API: (username, role, unit code, display name).
DEMO_STAFF = [
    ("admin-demo", "admin", None, "Quản trị viên (demo)"),
    ("analyst-demo", "analyst", None, "Chuyên viên phân tích (demo)"),
    ("manager-demo", "unit_manager", PLAN_UNIT, "Cán bộ quản lý phường Bắc Gia Nghĩa (demo)"),
]

DISTRICTS = [
    ("gia-nghia", "Thành phố Gia Nghĩa"),
    ("cu-jut", "Huyện Cư Jút"),
    ("dak-mil", "Huyện Đắk Mil"),
    ("krong-no", "Huyện Krông Nô"),
    ("dak-song", "Huyện Đắk Song"),
    ("dak-rlap", "Huyện Đắk R'Lấp"),
    ("dak-glong", "Huyện Đắk Glong"),
    ("tuy-duc", "Huyện Tuy Đức"),
]


@dataclass(frozen=True)
class _Point:
    code: str
    name: str
    kind: str
    unit: str
    instruments: tuple[str, ...]
    satisfaction: float


def load_demo(session: Session, *, responses_per_point: int = 40, seed: int = 2022, weighting: bool = True) -> str:
    """Load instruments, units, service points and responses; returns a one-line summary.

    ``weighting=False`` leaves out the sampling plan's interviews and the census margins (benchmarks load their
    own designed responses and must not have them raked to the demo's margins).
    """
    versions = {v.instrument.code: v for v in load_official(session)}
    points = _load_units(session)
    fresh, rng = stored_response(session, _demo_id(0)) is None, random.Random(seed)
    created = 0
    # The district desks' answers (of 2025 H1) are stored before the map that closes their districts: no
    # answer is taken for a unit on a day after it closed, and these are too old to carry their own day.
    if fresh:
        created = _load_responses(session, versions, points, responses_per_point, rng)
    new_map = load_demo_map(session)
    desks = _load_new_desks(session)
    points.update(desks)
    if fresh:
        created += _load_responses(session, versions, desks, responses_per_point, rng, start=created)
    summary = f"demo: {len(versions)} instruments, {len(points)} service points, {created} new responses"
    if new_map.created or new_map.closed:
        summary += (
            f"\ndemo map: {new_map.closed} units of Đắk Nông closed on 2025-06-30, {new_map.created} units of the new"
            " Lâm Đồng from 2025-07-01 with the crosswalk (survey_api/units/data/lam-dong-2025.md)"
        )
    password = _load_volunteer(session, versions["sipas"])
    if password:
        summary += f"\ndemo volunteer for the tablet app (/tablet/): {DEMO_VOLUNTEER} / {password} (shown once)"
    for username, role, staff_password in _load_staff(session):
        who = role.replace("_", " ")
        summary += f"\ndemo {who} for the staff pages (/staff/) and the API: {username} / {staff_password} (shown once)"
    if not weighting:
        return summary
    admin, volunteer = user_by_username(session, "admin-demo"), user_by_username(session, DEMO_VOLUNTEER)
    assert admin is not None and volunteer is not None
    interviews = load_plan(session, versions["sipas"], admin, volunteer, _answers)
    if interviews:
        summary += f"\ndemo sampling plan: {interviews} household interviews with design weights"
    if _load_margins(session, admin):
        summary += "\ndemo population margins: adults by sex and age group, 2019 census (see survey_api/demo_census.py)"
    return summary


def _load_margins(session: Session, admin: User) -> bool:
    """The census margins of the whole province, unless a set for their period is stored; True when stored now."""
    start, end = demo_census.PERIOD
    stored = list_margins(session, unit=None, date_from=start, date_to=end)
    if any(m.unit is None and (m.period.start, m.period.end) == (start, end) for m in stored):
        return False
    payload = MarginsIn.model_validate(
        {"unit": None, "period": {"from": start, "to": end}, "margins": demo_census.MARGINS}
    )
    put_margins(session, payload, user=admin)
    return True


def _load_staff(session: Session) -> list[tuple[str, str, str]]:
    """The demo staff accounts that did not exist yet, as (username, role, new password); others stay as they are."""
    created = []
    for username, role, unit_code, display_name in DEMO_STAFF:
        if user_by_username(session, username) is not None:
            continue
        unit = unit_by_code(session, unit_code) if unit_code else None
        password = secrets.token_urlsafe(12)
        create_user(
            session,
            username=username,
            role=role,
            display_name=display_name,
            password=password,
            unit_id=unit.id if unit else None,
        )
        created.append((username, role, password))
    return created


def _load_volunteer(session: Session, sipas: InstrumentVersion) -> str | None:
    """A volunteer assigned to interview with SIPAS in Bắc Gia Nghĩa ward; returns the new password, once."""
    if user_by_username(session, DEMO_VOLUNTEER) is not None:
        return None
    password = secrets.token_urlsafe(12)
    area = unit_by_code(session, PLAN_UNIT)
    assert area is not None
    volunteer = create_user(
        session,
        username=DEMO_VOLUNTEER,
        role="volunteer",
        display_name="Tình nguyện viên MTTQ",
        password=password,
        unit_id=area.id,
    )
    volunteer.organisation = "Ủy ban MTTQ phường Bắc Gia Nghĩa"
    session.add(Assignment(volunteer_id=volunteer.id, instrument_version_id=sipas.id, unit_id=area.id, quota=30))
    session.flush()
    return password


def _unit(session: Session, code: str, name: str, kind: str, sector: str | None, parent: OrgUnit | None) -> OrgUnit:
    unit = unit_by_code(session, code)
    if unit is None:
        unit = OrgUnit(
            code=code,
            name=name,
            kind=kind,
            sector=sector,
            parent_id=parent.id if parent else None,
            valid_from=MAP_OF_2022,
        )
        session.add(unit)
        session.flush()
    return unit


def _load_units(session: Session) -> dict[str, tuple[_Point, ServicePoint]]:
    province = _unit(session, "dak-nong", "Tỉnh Đắk Nông", "province", None, None)
    points: list[_Point] = []
    for index, (code, name) in enumerate(DISTRICTS):
        _unit(session, code, name, "district", "administrative", province)
        points.append(
            _Point(
                f"{code}-mot-cua",
                f"Bộ phận Một cửa {name}",
                "one_stop_counter",
                code,
                # The counter form first (what a desk's QR opens), and SIPAS for the sampled-survey figures.
                ("one-stop-dossier", "sipas"),
                0.78 + index * 0.02,
            )
        )
    health = [
        ("bv-tinh", "Bệnh viện đa khoa tỉnh Đắk Nông", "hospital", 0.86),
        ("ttyt-dak-mil", "Trung tâm Y tế huyện Đắk Mil", "health_centre", 0.80),
        ("ttyt-cu-jut", "Trung tâm Y tế huyện Cư Jút", "health_centre", 0.83),
    ]
    for code, name, kind, satisfaction in health:
        _unit(session, code, name, kind, "health", province)
        points.append(
            _Point(
                f"{code}-noi-tru",
                f"{name}: khoa nội trú",
                "ward",
                code,
                ("health-inpatient", "health-workers"),
                satisfaction,
            )
        )
        points.append(
            _Point(
                f"{code}-kham-benh",
                f"{name}: khoa khám bệnh",
                "clinic",
                code,
                ("health-outpatient",),
                satisfaction,
            )
        )
    schools = [
        ("thpt-chu-van-an", "Trường THPT Chu Văn An, Gia Nghĩa", "gia-nghia", 0.9),
        ("thcs-nguyen-du", "Trường THCS Nguyễn Du, Đắk Mil", "dak-mil", 0.85),
        ("mn-hoa-sen", "Trường Mầm non Hoa Sen, Cư Jút", "cu-jut", 0.88),
    ]
    for code, name, district, satisfaction in schools:
        _unit(session, code, name, "school", "education", unit_by_code(session, district))
        points.append(_Point(f"{code}-cong-truong", name, "school", code, ("education-parents",), satisfaction))

    return _store_points(session, points)


def _load_new_desks(session: Session) -> dict[str, tuple[_Point, ServicePoint]]:
    """A one-stop desk (the public administration service centre) of each ward and commune of the new map."""
    points = []
    for index, unit in enumerate(u for u in units_valid_on(session, NEW_MAP) if u.kind in ("ward", "commune")):
        where = unit.name[:1].lower() + unit.name[1:]
        points.append(
            _Point(
                f"{unit.code}-mot-cua",
                f"Trung tâm Phục vụ hành chính công {where}",
                "one_stop_counter",
                unit.code,
                ("one-stop-dossier", "sipas"),
                0.8 + (index % 5) * 0.02,
            )
        )
    return _store_points(session, points)


def _store_points(session: Session, points: list[_Point]) -> dict[str, tuple[_Point, ServicePoint]]:
    """The service points (created when missing) with their QR links."""
    stored: dict[str, tuple[_Point, ServicePoint]] = {}
    for point in points:
        service_point = session.query(ServicePoint).filter_by(code=point.code).one_or_none()
        if service_point is None:
            unit = unit_by_code(session, point.unit)
            assert unit is not None
            service_point = ServicePoint(
                code=point.code,
                name=point.name,
                unit_id=unit.id,
                kind=point.kind,
                requires_receipt=point.kind == "one_stop_counter",
            )
            session.add(service_point)
            session.flush()
        for instrument_code in point.instruments:
            ensure_link(session, service_point, instrument_code, user=None)
        stored[point.code] = (point, service_point)
    return stored


def _load_responses(
    session: Session,
    versions: dict[str, InstrumentVersion],
    points: dict[str, tuple[_Point, ServicePoint]],
    per_point: int,
    rng: random.Random,
    *,
    start: int = 0,
) -> int:
    """Each point's answers: at a district desk in the first half of 2025 (the day they count for set
    explicitly, being older than a submission may claim), elsewhere in the last 180 days; the number stored,
    their ids counted on from ``start``."""
    now = utcnow()
    districts = {code for code, _name in DISTRICTS}
    counter = start
    backdated: list[dict[str, Any]] = []
    for point, _service_point in points.values():
        for instrument_code in point.instruments:
            version = versions.get(instrument_code)
            if version is None:
                continue
            document = document_of(version)
            count = per_point if instrument_code != "health-workers" else per_point // 3
            for _ in range(count):
                if point.unit in districts:
                    first, last = DISTRICT_ANSWERS
                    completed = first + (last - first) * rng.random()
                    backdated.append({"id": _demo_id(counter), "observed_on": completed.date()})
                else:
                    completed = now - timedelta(days=rng.uniform(1, 180), minutes=rng.uniform(0, 600))
                payload = ResponseIn(
                    id=_demo_id(counter),
                    instrument_version=version.id,
                    service_point=point.code,
                    channel=rng.choice(("qr", "qr", "tablet", "web")),
                    respondent_type="person",
                    answers=_answers(document, point.satisfaction, rng),
                    started_at=completed - timedelta(minutes=rng.uniform(2, 9)),
                    completed_at=completed,
                )
                submit(session, payload)
                counter += 1
    if backdated:
        session.execute(update(Response), backdated)
    return counter - start


def _demo_id(counter: int) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"demo-response-{counter}")


def _answers(document: InstrumentDocument, satisfaction: float, rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for code, item in document.items_by_code().items():
        if not item.required and rng.random() < 0.3:
            continue
        if item.type == "scale_1_5":
            answers[code] = rng.choice((4, 5, 5)) if rng.random() < satisfaction else rng.choice((1, 2, 3, 3))
        elif item.type == "score_0_100":
            answers[code] = min(100, max(0, round(rng.gauss(satisfaction * 100, 12))))
        elif item.type == "single_choice":
            answers[code] = rng.choice([o.value for o in document.options_of(item)])
        elif item.type == "multiple_choice":
            options = [o.value for o in document.options_of(item)]
            answers[code] = sorted(rng.sample(options, k=rng.randint(1, min(3, len(options)))))
        elif item.type == "integer" and item.min is not None and item.max is not None:
            answers[code] = rng.randint(item.min, min(item.max, item.min + 60))
        elif item.type == "free_text" and item.required:
            answers[code] = "Không có ý kiến thêm."
    return answers
