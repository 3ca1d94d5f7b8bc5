"""The advisors' console and its accounts.

    python -m console serve [--port 8081]        # what `make run` starts
    python -m console users add NAME --role advisor|admin   (asks for the password)
    python -m console users list
    python -m console users password NAME
    python -m console purge [--days 90]          # the retention purge, e.g. from cron

Passwords can also come from an environment variable: --password-env VARIABLE.
On the first start with no admin, an account `admin` is created with the password in
CONSOLE_ADMIN_PASSWORD, or a random one printed once.
"""
from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from typing import List, Optional

from console.accounts import ROLES, AccountError, Accounts
from console.audit import AuditLog
from records import database, retention
from serving.settings import settings


def ensure_first_admin(accounts: Accounts) -> Optional[str]:
    """Create `admin` if there is no admin yet; returns a password to show, if generated."""
    if accounts.any_admin():
        return None
    given = settings().console_admin_password
    password = given.get_secret_value() if given else None
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(15)
    accounts.add("admin", "admin", password)
    return generated


def read_password(args: argparse.Namespace) -> str:
    if args.password_env:
        password = os.environ.get(args.password_env)
        if password is None:
            raise AccountError(f"The environment variable {args.password_env} is not set.")
        return password
    first = getpass.getpass("Password (at least 12 characters): ")
    if first != getpass.getpass("Same password again: "):
        raise AccountError("The two passwords are not the same.")
    return first


def serve(args: argparse.Namespace) -> int:
    from console.app import create_app

    accounts = Accounts()
    generated = ensure_first_admin(accounts)
    if generated:
        # Not on standard output: a log collector would keep it.
        where = settings().console_admin_password_file
        database.private_file(where)
        where.write_text(generated + "\n")
        print(f"Created the first console account, admin. Its password is in "
              f"{where} (readable only by you): sign in, change it with\n"
              "  python -m console users password admin\n"
              "and delete that file.", flush=True)
    app = create_app()
    app.config.MOTD = False
    app.run(host=args.host, port=args.port or settings().console_port, access_log=False,
            workers=1)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the console")
    serve_cmd.add_argument("--port", type=int, default=None, help="default: CONSOLE_PORT")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    users = commands.add_parser("users", help="console accounts")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add = user_commands.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--password-env", help="read the password from this variable")
    user_commands.add_parser("list", help="list accounts")
    for command, what in (("disable", "stop an account signing in, and sign it out"),
                          ("enable", "let a disabled account sign in again"),
                          ("delete", "delete an account")):
        user_commands.add_parser(command, help=what).add_argument("username")
    password = user_commands.add_parser("password", help="set a new password")
    password.add_argument("username")
    password.add_argument("--password-env", help="read the password from this variable")
    purge = commands.add_parser("purge", help="delete conversations older than --days")
    purge.add_argument("--days", type=int, default=settings().retention_days)
    args = parser.parse_args(argv)

    try:
        if args.command == "serve":
            return serve(args)
        accounts = Accounts()
        if args.command == "purge":
            purged = retention.purge(database.engine(), args.days)
            AuditLog().record("command line", "retention purge", detail=str(purged))
            print(f"Deleted {purged}.")
        elif args.users_command == "add":
            user = accounts.add(args.username, args.role, read_password(args))
            AuditLog().record("command line", "create account", user.username, user.role)
            print(f"Created {user.username} ({user.role}).")
        elif args.users_command == "password":
            accounts.set_password(args.username, read_password(args))
            AuditLog().record("command line", "set password", args.username)
            print(f"Password changed for {args.username}; their sessions were signed out.")
        elif args.users_command in ("disable", "enable", "delete"):
            getattr(accounts, args.users_command)(args.username)
            AuditLog().record("command line", f"{args.users_command} account", args.username)
            print(f"{args.username}: {args.users_command}d.")
        else:
            for user in accounts.list():
                print(f"{user.username:<30} {user.role}{'  (disabled)' if user.disabled else ''}")
    except (AccountError, ValueError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
