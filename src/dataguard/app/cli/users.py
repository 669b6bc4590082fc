"""Who may use the web page and its API: the command group users (add, list, revoke)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from dataguard.app.cli import JsonOpt, ProjectOpt, emit, out, print_lines, run
from dataguard.project import find_project

if TYPE_CHECKING:
    from dataguard.catalog import UserRecord

users_app: typer.Typer = typer.Typer(help="Users of the web page and its API: add one (with a token), list, revoke.")

NameArg = Annotated[str, typer.Argument(help="The user's name: 1 to 64 letters, digits, '_', '-' or '.'.")]
RoleOpt = Annotated[str, typer.Option("--role", help="viewer (reads), reviewer (also releases, rejects) or admin.")]


@users_app.command("add")
def users_add(name: NameArg, role: RoleOpt, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Add a user; print its token, which is shown this once (only its hash is stored)."""
    from dataguard.app.commands.users import add_user

    added = run(json_out, lambda: add_user(find_project(project), name, role))
    if json_out:
        return emit(added)
    out.print(f"user {escape(added.name)} added as {added.role}; its token:")
    out.print(f"  {escape(added.token)}")
    out.print("this token is not shown again: give it to the user now (dataguard keeps only its hash)")


@users_app.command("list")
def users_list(project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """List the users (live and revoked) with their role; never a token."""
    from dataguard.app.commands.users import list_users

    users = run(json_out, lambda: list_users(find_project(project)))
    if json_out:
        return emit([_document(user) for user in users])
    print_lines(False, users, _user_line, none="no users yet: dataguard users add NAME --role reviewer")


def _document(user: UserRecord) -> dict[str, str | None]:
    revoked = None if user.revoked is None else user.revoked.isoformat()
    return {"name": user.name, "role": user.role, "created": user.created.isoformat(), "revoked": revoked}


def _user_line(user: UserRecord) -> str:
    state = "live" if user.revoked is None else f"revoked {user.revoked:%Y-%m-%d %H:%M:%S}"
    return f"{escape(user.name):<24} {user.role:<8}  created {user.created:%Y-%m-%d %H:%M:%S}  {state}"


@users_app.command("revoke")
def users_revoke(name: NameArg, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Revoke a user's token and end its browser sessions at once."""
    from dataguard.app.commands.users import revoke_user

    revoked = run(json_out, lambda: revoke_user(find_project(project), name))
    if json_out:
        return emit({"name": name, "revoked": revoked})
    out.print(f"user {escape(name)} " + ("revoked; its sessions ended" if revoked else "was revoked already"))
