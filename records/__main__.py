"""Advisors' command line for callback requests, and the database's migrations.

    python -m records handoffs list [--status new|contacted|closed]
    python -m records handoffs show RJ-ABC234
    python -m records handoffs mark-contacted RJ-ABC234 --by "Mere"
    python -m records migrate            # bring our tables up to date (make migrate)
    python -m records migrate --check    # exit 1 if they are not

Uses the database the assistant writes (DATABASE_URL, or runtime/conversations.db).
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from records import database, schema
from records.advisor_ids import AdvisorIds
from records.callbacks import STATUSES, CallbackError, CallbackRequest, CallbackRequests


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m records",
                                     description="Callback requests for victim advisors.")
    topics = parser.add_subparsers(dest="topic", required=True)
    handoffs = topics.add_parser("handoffs", help="callback requests")
    commands = handoffs.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="requests, oldest first")
    listing.add_argument("--status", choices=STATUSES, help="only requests with this status")
    show = commands.add_parser("show", help="one request in full, with contact details")
    show.add_argument("reference")
    contacted = commands.add_parser("mark-contacted", help="record that you made contact")
    contacted.add_argument("reference")
    contacted.add_argument("--by", required=True, help="your name")
    migrate = topics.add_parser("migrate", help="bring the database's tables up to date")
    migrate.add_argument("--check", action="store_true",
                         help="change nothing; exit 1 if the tables are not up to date")
    args = parser.parse_args(argv)

    if args.topic == "migrate":
        return migrate_command(args.check)
    requests = CallbackRequests()
    try:
        if args.command == "list":
            print(listing_text(requests.list(args.status)))
        elif args.command == "show":
            found = requests.get(args.reference)
            print(details_text(found, AdvisorIds(requests.engine).show(found.conversation_id)))
        else:
            request = requests.mark_contacted(args.reference, args.by)
            print(f"{request.reference} marked contacted by {request.contacted_by}.")
    except CallbackError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def migrate_command(check_only: bool) -> int:
    engine = database.engine()
    where = engine.url.render_as_string(hide_password=True)
    if check_only:
        try:
            schema.check(engine)
        except schema.MigrationNeeded as error:
            print(error, file=sys.stderr)
            return 1
        print(f"{where}: at {schema.head()}, the newest revision.")
        return 0
    print(f"{where}: {schema.upgrade(engine)}")
    return 0


def listing_text(found: List[CallbackRequest]) -> str:
    if not found:
        return "No callback requests."
    lines = [f"{'Reference':<11} {'Created (UTC)':<17} {'Status':<10} {'Method':<7} Name"]
    for r in found:
        lines.append(f"{r.reference:<11} {r.created_at:%Y-%m-%d %H:%M} {r.status:<10} "
                     f"{r.contact_method:<7} {r.first_name or '-'}")
    lines.append(f"{len(found)} request{'s' if len(found) != 1 else ''}. "
                 "Contact details: python -m records handoffs show REFERENCE")
    return "\n".join(lines)


def details_text(r: CallbackRequest, conversation: str) -> str:
    """`conversation`: the id advisors see for it (records/advisor_ids.py)."""
    leave_message = {True: "yes", False: "NO - do not leave a message or say who is calling",
                     None: "not asked or not answered - do not leave a message"}
    rows = [
        ("Reference", r.reference),
        ("Status", r.status),
        ("Created", f"{r.created_at:%Y-%m-%d %H:%M} UTC"),
        ("Name", r.first_name or "(not given)"),
        ("Contact by", r.contact_method),
        ("Phone" if r.contact_method == "phone" else "Email", r.contact_detail),
        ("Safe time", r.safe_time or "(not given)"),
        ("Safe to leave a message / say who is calling",
         leave_message[r.safe_to_leave_message]),
        ("Conversation", conversation),
    ]
    if r.contacted_at:
        rows.append(("Contacted", f"{r.contacted_at:%Y-%m-%d %H:%M} UTC by {r.contacted_by}"))
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


if __name__ == "__main__":
    sys.exit(main())
