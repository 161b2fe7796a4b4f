"""The test instrument of the SPSS/Stata export tests: Vietnamese labels, a long item text, a multiple choice."""

from __future__ import annotations

import copy
from typing import Any

from tests.imports.apidata import DOCUMENT

CODE = "labelled-test"
LONG = "Ông/Bà đánh giá thế nào về thái độ, tinh thần phục vụ của công chức khi tiếp nhận và giải quyết hồ sơ? " * 3
SAT5 = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]


def labelled_document() -> dict[str, Any]:
    document = copy.deepcopy(DOCUMENT)
    document["code"] = CODE
    document["scales"]["SAT5"] = [{"value": v, "label": {"vi": SAT5[v - 1]}} for v in range(1, 6)]
    items = document["sections"][0]["items"]
    items[0]["text"] = {"vi": LONG}
    items += [
        {
            "code": "M.1",
            "type": "multiple_choice",
            "text": {"vi": "Kênh nhận thông tin"},
            "options": [{"value": 1, "label": {"vi": "Điện thoại"}}, {"value": 2, "label": {"vi": "Trực tiếp"}}],
        },
        {"code": "N", "type": "integer", "min": 0, "max": 120, "text": {"vi": "Tuổi"}},
    ]
    return document
