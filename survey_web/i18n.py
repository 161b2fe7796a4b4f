"""The respondent pages' own words, in Vietnamese (default) and English."""

from __future__ import annotations

LANGUAGES = ("vi", "en")

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "switch": "English",
        "required": "bắt buộc",
        "intro": "Ý kiến của Ông/Bà giúp cơ quan nhà nước phục vụ tốt hơn. Phiếu không hỏi tên, không cần tài khoản; "
        "chỉ mất khoảng hai phút.",
        "privacy": "Câu trả lời được ghi nhận ẩn danh và chỉ dùng để đo lường sự hài lòng.",
        "first_step": "Thông tin về lượt phục vụ",
        "receipt": "Số hồ sơ (in trên giấy biên nhận)",
        "receipt_hint": "Mỗi hồ sơ được đánh giá một lần.",
        "respondent_type": "Ông/Bà trả lời với tư cách",
        "person": "Cá nhân",
        "organisation": "Tổ chức, doanh nghiệp",
        "submit": "Gửi phiếu",
        "next": "Tiếp theo",
        "back": "Quay lại",
        "progress": "Phần {current}/{total}",
        "errors_title": "Phiếu chưa được gửi. Vui lòng xem lại:",
        "error_required": "Vui lòng trả lời câu hỏi này.",
        "error_value": "Câu trả lời không hợp lệ.",
        "thanks_title": "Cảm ơn Ông/Bà đã tham gia khảo sát!",
        "thanks_body": "Câu trả lời của Ông/Bà đã được ghi nhận.",
        "feedback_title": "Ông/Bà có muốn gửi thêm ý kiến, phản ánh hoặc kiến nghị? (không bắt buộc)",
        "kind": "Loại ý kiến",
        "kind_feedback": "Góp ý",
        "kind_petition": "Phản ánh, kiến nghị",
        "text": "Nội dung",
        "contact_title": "Thông tin liên hệ để cơ quan phản hồi (không bắt buộc)",
        "contact_note": "Thông tin này được lưu riêng, không gắn với câu trả lời khảo sát, chỉ đơn vị có trách nhiệm "
        "xem và được xóa khi đã xử lý xong.",
        "name": "Họ và tên",
        "phone": "Số điện thoại",
        "email": "Thư điện tử",
        "consent": "Tôi đồng ý để đơn vị dùng thông tin liên hệ này để trả lời ý kiến của tôi.",
        "send_feedback": "Gửi ý kiến",
        "feedback_thanks": "Ý kiến của Ông/Bà đã được chuyển đến đơn vị có trách nhiệm. Xin cảm ơn!",
        "problem_title": "Không mở được phiếu khảo sát",
        "tampered": "Đường dẫn khảo sát không hợp lệ (có thể đã bị gõ sai hoặc bị sửa). Vui lòng quét lại mã QR tại "
        "nơi Ông/Bà được phục vụ.",
        "unknown": "Đường dẫn khảo sát này không còn tồn tại.",
        "rotated": "Mã QR này đã được thay bằng mã mới. Vui lòng quét mã QR mới tại quầy.",
        "revoked": "Đường dẫn khảo sát này đã tạm dừng.",
        "closed": "Phiếu khảo sát hiện chưa mở.",
        "too_many": "Có quá nhiều lượt gửi trong thời gian ngắn. Vui lòng đợi {seconds} giây rồi thử lại.",
        "receipt_used": "Hồ sơ này đã được đánh giá. Xin cảm ơn, mỗi hồ sơ được tính một lần.",
        "already": "Ý kiến cho lượt trả lời này đã được ghi nhận. Xin cảm ơn!",
    },
    "en": {
        "switch": "Tiếng Việt",
        "required": "required",
        "intro": "Your opinion helps public agencies serve you better. No name, no account; it takes about two "
        "minutes.",
        "privacy": "Answers are recorded anonymously and used only to measure satisfaction.",
        "first_step": "About your visit",
        "receipt": "Dossier number (printed on your receipt)",
        "receipt_hint": "Each dossier can be rated once.",
        "respondent_type": "You answer as",
        "person": "A person",
        "organisation": "An organisation or business",
        "submit": "Send",
        "next": "Next",
        "back": "Back",
        "progress": "Part {current} of {total}",
        "errors_title": "Not sent yet. Please check:",
        "error_required": "Please answer this question.",
        "error_value": "This answer is not valid.",
        "thanks_title": "Thank you for taking part!",
        "thanks_body": "Your answers have been recorded.",
        "feedback_title": "Would you like to add a comment, complaint or petition? (optional)",
        "kind": "Kind",
        "kind_feedback": "Comment",
        "kind_petition": "Complaint or petition",
        "text": "Your message",
        "contact_title": "Contact details for a reply (optional)",
        "contact_note": "Stored apart from your survey answers, seen only by the unit that must reply, and deleted "
        "once it is handled.",
        "name": "Name",
        "phone": "Phone",
        "email": "Email",
        "consent": "I agree that the unit may use these details to reply to me.",
        "send_feedback": "Send message",
        "feedback_thanks": "Your message has been passed to the unit responsible. Thank you!",
        "problem_title": "This survey cannot be opened",
        "tampered": "This survey link is not valid (it may have been mistyped or altered). Please scan the QR code "
        "again where you were served.",
        "unknown": "This survey link no longer exists.",
        "rotated": "This QR code has been replaced by a new one. Please scan the new code at the desk.",
        "revoked": "This survey link has been switched off.",
        "closed": "This survey is not open at the moment.",
        "too_many": "Too many answers in a short time. Please wait {seconds} seconds and try again.",
        "receipt_used": "This dossier has already been rated. Thank you: each dossier counts once.",
        "already": "A message for this answer has already been received. Thank you!",
    },
}


def language(requested: str | None) -> str:
    """The page language: the one asked for when we have it, else Vietnamese."""
    return requested if requested in LANGUAGES else "vi"
