"""The words of the units page's move form and crosswalk, in Vietnamese and English (merged into the admin
words by ``texts``)."""

from __future__ import annotations

UNIT_TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "move_unit": "Chuyển đơn vị sang đơn vị cấp trên khác",
        "move_parent": "Mã đơn vị cấp trên mới (để trống nếu là cấp cao nhất)",
        "move_hint": "Từ ngày hiệu lực, đơn vị thuộc đơn vị cấp trên mới; các ngày trước đó vẫn giữ cấp trên cũ.",
        "crosswalk_title": "Bảng chuyển đổi đơn vị",
        "crosswalk_note": "Mỗi đơn vị đã giải thể, các đơn vị kế thừa và tỷ lệ mỗi đơn vị nhận; kết quả của giai "
        "đoạn cũ được quy đổi sang sơ đồ mới theo các tỷ lệ này.",
        "crosswalk_caption": "Đơn vị đã giải thể và đơn vị kế thừa",
        "crosswalk_closed": "Đơn vị đã giải thể",
        "crosswalk_last_day": "Ngày hiệu lực cuối",
        "crosswalk_successor": "Đơn vị kế thừa",
        "crosswalk_share": "Tỷ lệ",
        "no_crosswalk": "Chưa có đơn vị nào giải thể với đơn vị kế thừa.",
        "kind_health_centre": "Trung tâm y tế",
        "unit_err_parent_below": "Không thể đặt một đơn vị dưới chính nó hoặc dưới đơn vị cấp dưới của nó.",
    },
    "en": {
        "move_unit": "Move a unit under another parent",
        "move_parent": "Code of the new parent unit (empty for the top level)",
        "move_hint": "From the day given the unit is under the new parent; earlier days keep the old one.",
        "crosswalk_title": "Crosswalk",
        "crosswalk_note": "Each closed unit, its successors and the share each received; results of the old "
        "period are re-aggregated onto the new map with these shares.",
        "crosswalk_caption": "Closed units and their successors",
        "crosswalk_closed": "Closed unit",
        "crosswalk_last_day": "Last valid day",
        "crosswalk_successor": "Successor",
        "crosswalk_share": "Share",
        "no_crosswalk": "No unit has closed with successors yet.",
        "kind_health_centre": "Health centre",
        "unit_err_parent_below": "A unit cannot be put under itself or a unit below it.",
    },
}
