"""A realistic hand-made report: the administrative-services index of 12 districts of Lâm Đồng, Q3 2026."""

from __future__ import annotations

from datetime import date

from survey_api.reports import (
    Change,
    Element,
    FeedbackUnit,
    Fieldwork,
    FieldworkUnit,
    Header,
    Item,
    Method,
    RankedUnit,
    Ranking,
    Report,
    Share,
    Signature,
    Summary,
    UnrankedUnit,
    ci_text,
    parse_period,
    ranking_chart,
    weighting_text,
)

# unit, respondents, % satisfied, CI half-width, previous quarter, significant change, rank range, tier
_UNITS = [
    ("Thành phố Bảo Lộc", 512, 0.957, 0.016, 0.941, False, (1, 3), 1),
    ("Huyện Đức Trọng", 468, 0.951, 0.018, 0.922, True, (1, 4), 1),
    ("Thành phố Đà Lạt", 655, 0.946, 0.017, 0.950, False, (1, 4), 1),
    ("Huyện Lâm Hà", 402, 0.934, 0.022, 0.915, False, (2, 6), 2),
    ("Huyện Di Linh", 377, 0.921, 0.025, 0.908, False, (4, 8), 2),
    ("Huyện Đơn Dương", 341, 0.915, 0.027, 0.921, False, (4, 9), 2),
    ("Huyện Bảo Lâm", 298, 0.903, 0.031, 0.872, False, (5, 10), 3),
    ("Huyện Cát Tiên", 214, 0.896, 0.039, 0.905, False, (5, 11), 3),
    ("Huyện Lạc Dương", 187, 0.884, 0.043, 0.861, False, (6, 11), 3),
    ("Huyện Đạ Tẻh", 233, 0.861, 0.041, 0.893, False, (8, 11), 4),
    ("Huyện Đạ Huoai", 256, 0.832, 0.043, 0.880, True, (9, 11), 4),
]


def _share(value: float, half: float) -> Share:
    return Share(value, round(value - half, 3), round(min(value + half * 0.8, 0.999), 3))


def sample_report() -> Report:
    period = parse_period("2026-Q3")
    ranked = tuple(
        RankedUnit(
            rank=i + 1,
            rank_low=low,
            rank_high=high,
            unit=name,
            respondents=n,
            satisfied=_share(p, hw),
            change=Change(prev, round(p - prev, 4), sig),
            tier=tier,
        )
        for i, (name, n, p, hw, prev, sig, (low, high), tier) in enumerate(_UNITS)
    )
    ranking = Ranking(
        ranked,
        (UnrankedUnit("Huyện Đam Rông", 24),),
        min_answers=30,
        method=(
            "Các đơn vị được xếp hạng theo tỷ lệ hài lòng đã gia quyền. Khoảng hạng là 95% các thứ hạng có được "
            "qua 10.000 lần mô phỏng theo sai số chọn mẫu của từng đơn vị; các đơn vị cùng nhóm có tỷ lệ hài "
            "lòng không khác nhau có ý nghĩa thống kê."
        ),
    )
    target = 0.90
    elements = (
        Element("Tiếp cận dịch vụ", _share(0.948, 0.008), 4143),
        Element("Thủ tục hành chính", _share(0.927, 0.009), 4143),
        Element("Công chức trực tiếp giải quyết công việc", _share(0.936, 0.009), 4143),
        Element("Kết quả giải quyết công việc", _share(0.918, 0.010), 4143),
        Element("Tiếp nhận, xử lý thông tin phản hồi, góp ý, phản ánh, kiến nghị", _share(0.874, 0.012), 3960),
    )
    items = (
        Item(
            "PA3", "Cơ quan có phản hồi kịp thời thông tin cho người dân", elements[4].name, _share(0.842, 0.014), 3120
        ),
        Item("KQ4", "Hồ sơ được giải quyết đúng hạn hoặc sớm hơn hẹn", elements[3].name, _share(0.861, 0.013), 4102),
        Item("TT2", "Thành phần hồ sơ phải nộp đúng quy định", elements[1].name, _share(0.889, 0.012), 4120),
        Item("CC5", "Công chức không gây phiền hà, nhũng nhiễu", elements[2].name, _share(0.902, 0.011), 4131),
        Item("TC3", "Nơi ngồi chờ có đủ chỗ ngồi", elements[0].name, _share(0.913, 0.011), 4140),
    )
    fieldwork = Fieldwork(
        "Khảo sát SIPAS quý III năm 2026 - mẫu theo hồ sơ một cửa",
        tuple(
            FieldworkUnit(name, round(n / 0.78), n, round(0.78 - 0.01 * (i % 5), 3), round(0.83 - 0.01 * (i % 5), 3))
            for i, (name, n, *_rest) in enumerate(_UNITS)
        ),
        FieldworkUnit("Toàn tỉnh", 5342, 4143, 0.776, 0.824),
    )
    feedback = tuple(
        FeedbackUnit(name, received=12 + (7 * i) % 19, answered_on_time=10 + (7 * i) % 19 - i % 3, overdue=i % 3)
        for i, (name, *_rest) in enumerate(_UNITS)
    )
    method = Method(
        weighting=weighting_text("design+nonresponse+rake+trim"),
        ci_method=ci_text("logit"),
        margins=("Giới tính theo Niên giám thống kê tỉnh năm 2025", "Nhóm tuổi (18–34, 35–54, từ 55 tuổi)"),
        notes=(
            "Người được khảo sát là người dân, tổ chức đã nhận kết quả giải quyết thủ tục hành chính tại Bộ phận "
            "Một cửa cấp huyện trong kỳ, chọn ngẫu nhiên từ danh sách hồ sơ; phiếu không ghi danh tính.",
        ),
    )
    summary = Summary(
        index=Share(0.928, 0.919, 0.936),
        respondents=4143,
        target=target,
        change=Change(0.915, 0.013, True),
        instrument="Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)",
        scope="12 huyện, thành phố",
    )
    return Report(
        header=Header(("UBND TỈNH LÂM ĐỒNG", "SỞ NỘI VỤ"), "Số: 245/BC-SNV", "Lâm Đồng", date(2026, 10, 5)),
        subject="Kết quả khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính "
        "nhà nước quý III năm 2026",
        period=period,
        summary=summary,
        ranking=ranking,
        elements=elements,
        weakest_items=items,
        fieldwork=fieldwork,
        method=method,
        feedback=feedback,
        charts=(ranking_chart(ranking, target),),
        remarks=(
            "Huyện Đạ Huoai giảm có ý nghĩa thống kê so với quý II; đề nghị Ủy ban nhân dân huyện rà soát việc trả "
            "kết quả đúng hạn và phản hồi ý kiến của người dân.",
            "Tiêu chí phản hồi kịp thời thông tin cho người dân thấp nhất toàn tỉnh (84,2%); đề nghị các đơn vị trả "
            "lời phản ánh, kiến nghị trong thời hạn quy định.",
        ),
        signature=Signature(
            ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
            "Nguyễn Văn An",
            ("UBND tỉnh (để báo cáo);", "Các huyện, thành phố;", "Lưu: VT, CCHC."),
        ),
        metadata=(("Bộ câu hỏi", "SIPAS-2026"), ("Kỳ", period.code)),
    )
