"""Standard sentences for the method section, from the estimates' own method names, in Vietnamese (the
default) or English."""

from __future__ import annotations

from typing import Literal

Language = Literal["vi", "en"]

_STEPS = {
    "vi": {
        "design": "trọng số thiết kế (nghịch đảo xác suất được chọn vào mẫu)",
        "nonresponse": "điều chỉnh cho người không trả lời theo từng nhóm",
        "poststratify": "hậu phân tầng theo cơ cấu dân số",
        "rake": "cân chỉnh lặp (raking) theo các biên dân số",
        "calibrate": "hiệu chỉnh (calibration) theo các tổng dân số",
        "trim": "cắt tỉa các trọng số quá lớn",
    },
    "en": {
        "design": "design weights (the inverse of the probability of selection)",
        "nonresponse": "an adjustment for non-response within cells",
        "poststratify": "post-stratification to the population structure",
        "rake": "raking to the population margins",
        "calibrate": "calibration to the population totals",
        "trim": "trimming of the largest weights",
    },
}
_LOGIT = {
    "vi": "khoảng tin cậy tính trên thang logit (không vượt ra ngoài 0–100%)",
    "en": "interval computed on the logit scale (it never leaves 0–100%)",
}
_CI = {
    "vi": {
        "logit": _LOGIT["vi"],
        "xlogit": _LOGIT["vi"],
        "beta": "khoảng tin cậy Korn–Graubard (phân phối beta, thận trọng khi tỷ lệ gần 0% hoặc 100%)",
        "wilson": "khoảng tin cậy Wilson",
        "mean": "khoảng tin cậy Wald (tỷ lệ ± hệ số × sai số chuẩn)",
    },
    "en": {
        "logit": _LOGIT["en"],
        "xlogit": _LOGIT["en"],
        "beta": "Korn–Graubard interval (beta distribution, cautious near 0% or 100%)",
        "wilson": "Wilson interval",
        "mean": "Wald interval (share ± quantile × standard error)",
    },
}
_UNWEIGHTED = {
    "vi": "Kết quả tính trên số phiếu thu được, không gia quyền (mỗi phiếu có trọng số như nhau).",
    "en": "Results are computed from the responses received, unweighted (every response weighs the same).",
}
_WEIGHTED = {"vi": "Kết quả được gia quyền: ", "en": "Results are weighted: "}
_CI_SENTENCE = {
    "vi": "Khoảng tin cậy {level}: {kind}; sai số chuẩn ước lượng theo thiết kế mẫu (tuyến tính hóa Taylor), "
    "có tính đến phân tầng, cụm và trọng số.",
    "en": "{level} confidence interval: {kind}; standard errors follow the sample design (Taylor "
    "linearisation), allowing for strata, clusters and weights.",
}
_OTHER_CI = {"vi": "khoảng tin cậy theo phương pháp {method}", "en": "interval by the {method} method"}


def weighting_text(method: str | None, language: Language = "vi") -> str:
    """E.g. "design+nonresponse+rake+trim" → one sentence; None or "none" → answers counted unweighted."""
    steps = [s for s in (method or "").split("+") if s and s != "none"]
    if not steps:
        return _UNWEIGHTED[language]
    named = [_STEPS[language].get(step, step) for step in steps]
    return _WEIGHTED[language] + "; ".join(named) + "."


def ci_text(method: str, confidence: float = 0.95, language: Language = "vi") -> str:
    """E.g. "logit" → the sentence about the CI, with the confidence level and the variance method."""
    level = f"{round(100 * confidence)}%"
    kind = _CI[language].get(method, _OTHER_CI[language].format(method=method))
    return _CI_SENTENCE[language].format(level=level, kind=kind)
