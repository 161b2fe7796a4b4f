"""Personal data out of database error messages (and so out of tracebacks and logs).

``create_engine(..., hide_parameters=True)`` keeps a failed statement's parameters out of its message, but
PostgreSQL quotes values itself in an error's DETAIL: the whole failing row for a CHECK or NOT NULL
violation, the key for a unique or foreign-key one. :func:`hide_row_values`, an engine ``handle_error``
listener, replaces that DETAIL in both the driver's and SQLAlchemy's message; the driver's ``diag`` keeps it
for code that needs it.
"""

from __future__ import annotations

from sqlalchemy.engine import ExceptionContext

HIDDEN = "(values hidden)"


def hide_row_values(context: ExceptionContext) -> None:
    """Replace the DETAIL of a PostgreSQL error in the messages of the exceptions about to be raised."""
    original = context.original_exception
    detail = getattr(getattr(original, "diag", None), "message_detail", None)
    if not detail:
        return
    for error in (original, context.sqlalchemy_exception):
        if error is not None and error.args and isinstance(error.args[0], str):
            error.args = (error.args[0].replace(detail, HIDDEN), *error.args[1:])
