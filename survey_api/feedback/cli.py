"""``survey feedback purge``: delete contact details kept past their retention time, or one on request.

Run it daily from cron or a systemd timer (the server also purges at start and every few hours).
"""

from __future__ import annotations

import argparse
import sys

from survey_api.db.engine import make_engine, make_sessionmaker, transaction
from survey_api.feedback.purge import purge_expired, purge_on_request
from survey_api.feedback.references import normalise
from survey_api.settings import get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``feedback`` subcommands."""
    feedback = subparsers.add_parser("feedback", help="feedback and petitions").add_subparsers(
        title="feedback commands"
    )
    purge = feedback.add_parser(
        "purge", help="delete contact details of feedback closed longer ago than the retention time"
    )
    purge.add_argument("--days", type=int, default=None, help="retention in days (default the settings', 30)")
    purge.add_argument("--reference", help="instead, delete the contact details of this one item now (on request)")
    purge.set_defaults(func=_purge)


def _purge(args: argparse.Namespace) -> int:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            if args.reference is not None:
                reference = normalise(args.reference)
                if reference is None or not purge_on_request(session, reference):
                    print(f"error: no contact details kept for reference {args.reference!r}", file=sys.stderr)
                    return 2
                print(f"contact details of {reference} deleted")
                return 0
            days = settings.feedback_contact_retention_days if args.days is None else args.days
            if days < 0:
                print("error: --days must be 0 or more", file=sys.stderr)
                return 2
            purged = purge_expired(session, days)
    finally:
        engine.dispose()
    print(f"contact details of {purged} feedback items closed more than {days} days ago deleted")
    return 0
