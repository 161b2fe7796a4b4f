"""The covariance a ranking draws from is the index's: its diagonal gives the breakdown's standard errors."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from survey_api.auth.service import create_user
from survey_api.estimates.params import IndexParams
from survey_api.estimates.service import indices, units_covariance
from survey_api.settings import Settings
from tests.conftest import Db


def test_units_covariance_matches_the_breakdown(client: TestClient, db: Db, answered: None, settings: Settings) -> None:
    with db() as session:
        viewer = create_user(session, username="cov-analyst", role="analyst")
        params = IndexParams.model_validate({"instrument": "sipas", "by": "unit"})
        index = indices(session, params, viewer=viewer, settings=settings, compare=False)
        domains = units_covariance(session, params, viewer=viewer, weighted=index.weighted, settings=settings)
    assert domains is not None
    labels = [label[0][1] for label in domains.labels]
    for entry in index.breakdown or []:
        at = labels.index(entry.group["unit"])
        assert domains.estimates[at] == pytest.approx(entry.overall.satisfied, rel=1e-12)
        assert domains.se[at] == pytest.approx(entry.overall.satisfied_se, rel=1e-9)
    # Each response its own PSU in one stratum: units' estimates are uncorrelated.
    off = domains.covariance - np.diag(np.diag(domains.covariance))
    assert np.abs(off).max() < 1e-12
