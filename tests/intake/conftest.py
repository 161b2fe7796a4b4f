"""The fieldwork fixtures (an area with desks, volunteers, SIPAS) and the browser for the intake tests."""

from tests.fieldwork.conftest import area, person, sipas, volunteer  # noqa: F401  (fixtures, by name)
from tests.web.conftest import chromium  # noqa: F401  (fixture, by name)
