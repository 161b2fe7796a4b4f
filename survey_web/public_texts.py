"""The public results pages' own words, in Vietnamese (default) and English."""

from __future__ import annotations

SECTORS = {
    "vi": {"administrative": "Dịch vụ hành chính công", "health": "Y tế", "education": "Giáo dục"},
    "en": {"administrative": "Public administrative services", "health": "Health", "education": "Education"},
}

RESULTS_TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "switch": "English",
        "list_title": "Kết quả khảo sát sự hài lòng",
        "list_intro": "Kết quả đo lường sự hài lòng của người dân, tổ chức đã được công bố, theo lĩnh vực và kỳ "
        "báo cáo. Số liệu của mỗi kỳ được giữ nguyên như khi công bố.",
        "none_published": "Chưa có kết quả nào được công bố.",
        "open": "Xem kết quả",
        "respondents": "Số người trả lời",
        "satisfied": "Tỷ lệ hài lòng",
        "ci": "Khoảng tin cậy 95%",
        "target": "Chỉ tiêu",
        "met": "Đạt chỉ tiêu",
        "not_met": "Chưa đạt chỉ tiêu",
        "period": "Kỳ",
        "published": "Công bố ngày",
        "units_title": "Kết quả theo đơn vị",
        "rank": "Thứ hạng",
        "rank_range": "Khoảng thứ hạng",
        "tier": "Nhóm",
        "unit": "Đơn vị",
        "not_enough": "Chưa đủ số phiếu",
        "not_enough_note": "Đơn vị có dưới {n} người trả lời không được công bố số liệu.",
        "elements_title": "Kết quả theo tiêu chí",
        "element": "Tiêu chí",
        "chart_title": "Tỷ lệ hài lòng theo đơn vị",
        "chart_desc": "Biểu đồ thanh ngang: tỷ lệ hài lòng của từng đơn vị, vạch cam là khoảng tin cậy 95%, "
        "đường đỏ đứt nét là chỉ tiêu. Số liệu có trong bảng bên dưới.",
        "target_line": "Chỉ tiêu {value}",
        "feedback_title": "Tiếp nhận và xử lý phản ánh, kiến nghị trong kỳ",
        "received": "Đã nhận",
        "on_time": "Trả lời đúng hạn",
        "overdue": "Quá hạn chưa trả lời",
        "no_feedback": "Trong kỳ không có phản ánh, kiến nghị nào về các đơn vị này.",
        "petitions_link": "Các phản ánh, kiến nghị đã được trả lời và công bố",
        "method_title": "Phương pháp",
        "method": "Tỷ lệ hài lòng là tỷ lệ câu trả lời ở mức «Hài lòng» hoặc «Rất hài lòng» trên thang 5 mức. "
        "Khoảng tin cậy 95% tính theo thiết kế mẫu. Thứ hạng xếp theo tỷ lệ hài lòng; khoảng thứ hạng cho "
        "biết các thứ hạng có thể có khi tính đến sai số chọn mẫu; các đơn vị cùng nhóm không khác nhau có ý "
        "nghĩa thống kê.",
        "weighted": "Kết quả có gia quyền theo thiết kế mẫu và cơ cấu dân số.",
        "unweighted": "Kết quả không gia quyền: mỗi phiếu có trọng số như nhau.",
        "downloads": "Tải dữ liệu",
        "csv": "Bảng dữ liệu (CSV)",
        "json": "Dữ liệu (JSON)",
        "back": "Tất cả kết quả đã công bố",
        "embed_source": "Nguồn: Hệ thống khảo sát sự hài lòng",
        "missing_title": "Không có kết quả này",
        "missing": "Kết quả này không có hoặc đã được thu hồi.",
    },
    "en": {
        "switch": "Tiếng Việt",
        "list_title": "Satisfaction survey results",
        "list_intro": "Published results of citizens' and organisations' satisfaction, by sector and period. "
        "The figures of a period stay as they were when published.",
        "none_published": "No results have been published yet.",
        "open": "See the results",
        "respondents": "Respondents",
        "satisfied": "Satisfied",
        "ci": "95% confidence interval",
        "target": "Target",
        "met": "Target met",
        "not_met": "Target not met",
        "period": "Period",
        "published": "Published on",
        "units_title": "Results by unit",
        "rank": "Rank",
        "rank_range": "Rank range",
        "tier": "Tier",
        "unit": "Unit",
        "not_enough": "Not enough answers",
        "not_enough_note": "Units with fewer than {n} respondents are not published.",
        "elements_title": "Results by criterion",
        "element": "Criterion",
        "chart_title": "Share satisfied by unit",
        "chart_desc": "Horizontal bars: each unit's share satisfied, orange whiskers the 95% confidence interval, "
        "the dashed red line the target. The figures are in the table below.",
        "target_line": "Target {value}",
        "feedback_title": "Feedback and petitions received in the period and their handling",
        "received": "Received",
        "on_time": "Answered on time",
        "overdue": "Overdue, not answered",
        "no_feedback": "No feedback or petition about these units in the period.",
        "petitions_link": "Petitions answered and published",
        "method_title": "Method",
        "method": "The share satisfied is the share of answers at «Satisfied» or «Very satisfied» on the 5-point "
        "scale, with 95% confidence intervals from the sample design. Units are ranked by it; a rank range "
        "shows the ranks a unit could plausibly hold given the sampling error; units of one tier do not "
        "differ significantly.",
        "weighted": "Results are weighted by the sample design and the population's make-up.",
        "unweighted": "Results are unweighted: every questionnaire counts the same.",
        "downloads": "Download the data",
        "csv": "Table (CSV)",
        "json": "Data (JSON)",
        "back": "All published results",
        "embed_source": "Source: the satisfaction survey platform",
        "missing_title": "No such result",
        "missing": "This result does not exist or was withdrawn.",
    },
}
