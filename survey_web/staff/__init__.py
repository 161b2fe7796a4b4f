"""The staff area (/staff/): sign-in and the fieldwork view for admins, analysts and unit managers."""

from survey_web.staff.pages import router

__all__ = ["router"]
