"""Population margins of the demo: adults (18+) of Đắk Nông province by sex and by age group, 2019 census.

Data, kept with its source and confidence like the instruments (``instruments/data``); an analyst replaces
the figures with the census tables without a code change elsewhere (``PUT /api/v1/margins``).
"""

from __future__ import annotations

from datetime import date

SOURCE = (
    "Tổng điều tra dân số và nhà ở 2019 (Ban Chỉ đạo Tổng điều tra dân số và nhà ở Trung ương, Tổng cục Thống "
    "kê): Đắk Nông, population at 1 April 2019 about 622,000. The adult (18+) totals by sex and by the SIPAS "
    "age bands below are an approximation: the province total times the 2019 shares of adults, of men and "
    "of each age band for a young Central Highlands province; they were not read from the census's "
    "province-by-age-by-sex table, which should replace them."
)
CONFIDENCE = "unverified"
# Census counts stand for the population until the next census (2029); the demo's answers fall inside.
PERIOD = (date(2019, 4, 1), date(2030, 12, 31))
ADULTS = 410_000
# Levels as the instruments' cell declarations give them: sex 1 Nam, 2 Nữ; the SIPAS age bands (A.3).
MARGINS: dict[str, dict[str, float]] = {
    "sex": {"1": 209_000.0, "2": 201_000.0},
    "age_group": {
        "18-24": 61_500.0,
        "25-34": 98_400.0,
        "35-49": 127_100.0,
        "50-60": 65_600.0,
        "61+": 57_400.0,
    },
}
