"""Standard Vietnamese sentences for the method section, from the estimates' own method names."""

from __future__ import annotations

_STEPS = {
    "design": "trọng số thiết kế (nghịch đảo xác suất được chọn vào mẫu)",
    "nonresponse": "điều chỉnh cho người không trả lời theo từng nhóm",
    "poststratify": "hậu phân tầng theo cơ cấu dân số",
    "rake": "cân chỉnh lặp (raking) theo các biên dân số",
    "calibrate": "hiệu chỉnh (calibration) theo các tổng dân số",
    "trim": "cắt tỉa các trọng số quá lớn",
}
_CI = {
    "logit": "khoảng tin cậy tính trên thang logit (không vượt ra ngoài 0–100%)",
    "xlogit": "khoảng tin cậy tính trên thang logit (không vượt ra ngoài 0–100%)",
    "beta": "khoảng tin cậy Korn–Graubard (phân phối beta, thận trọng khi tỷ lệ gần 0% hoặc 100%)",
    "wilson": "khoảng tin cậy Wilson",
    "mean": "khoảng tin cậy Wald (tỷ lệ ± hệ số × sai số chuẩn)",
}


def weighting_text(method: str | None) -> str:
    """E.g. "design+nonresponse+rake+trim" → one sentence; None or "none" → answers counted unweighted."""
    steps = [s for s in (method or "").split("+") if s and s != "none"]
    if not steps:
        return "Kết quả tính trên số phiếu thu được, không gia quyền (mỗi phiếu có trọng số như nhau)."
    named = [_STEPS.get(step, step) for step in steps]
    return "Kết quả được gia quyền: " + "; ".join(named) + "."


def ci_text(method: str, confidence: float = 0.95) -> str:
    """E.g. "logit" → the sentence about the CI, with the confidence level and the variance method."""
    level = f"{round(100 * confidence)}%"
    kind = _CI.get(method, f"khoảng tin cậy theo phương pháp {method}")
    return (
        f"Khoảng tin cậy {level}: {kind}; sai số chuẩn ước lượng theo thiết kế mẫu (tuyến tính hóa Taylor), "
        "có tính đến phân tầng, cụm và trọng số."
    )
