"""Users of the web page and its API: tokens shown once and stored hashed, revocation, browser sessions.

Every test runs on both catalog backends (``any_catalog``): the embedded SQLite file and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from dataguard import catalog
from dataguard.app.commands import users
from dataguard.catalog import User
from dataguard.errors import BadInput
from dataguard.project import Project
from tests.catalog_sql import catalog_rows, catalog_state
from tests.test_cli import run, run_json

TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_token_is_stored_as_its_sha256_only(any_catalog: Project) -> None:
    added = users.add_user(any_catalog, "ana", "reviewer")

    assert (added.name, added.role, bool(TOKEN.fullmatch(added.token))) == ("ana", "reviewer", True)
    assert users.hash_token(added.token) == sha256(added.token) != added.token
    assert catalog_rows(any_catalog, "SELECT name, role, token_hash, revoked FROM users") == [
        ("ana", "reviewer", sha256(added.token), None)
    ]


def test_each_user_gets_its_own_token(any_catalog: Project) -> None:
    tokens = {users.add_user(any_catalog, name, "viewer").token for name in ("ana", "bob", "eve")}
    assert len(tokens) == 3


def test_users_are_listed_by_name_with_when_they_were_added_and_revoked(any_catalog: Project) -> None:
    before = datetime.now(UTC)
    users.add_user(any_catalog, "bob", "viewer")
    users.add_user(any_catalog, "ana", "admin")
    assert users.revoke_user(any_catalog, "bob") is True
    after = datetime.now(UTC)

    ana, bob = users.list_users(any_catalog)

    assert (ana.name, ana.role, ana.revoked, bob.name, bob.role) == ("ana", "admin", None, "bob", "viewer")
    assert bob.revoked is not None
    assert before <= bob.created <= bob.revoked <= after
    assert before <= ana.created <= after


def test_the_right_token_authenticates_its_user(any_catalog: Project) -> None:
    ana = users.add_user(any_catalog, "ana", "reviewer")
    bob = users.add_user(any_catalog, "bob", "viewer")

    assert users.authenticate(any_catalog, ana.token) == User("ana", "reviewer")
    assert users.authenticate(any_catalog, bob.token) == User("bob", "viewer")
    assert catalog.any_user(any_catalog.catalog) is True


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43])
def test_a_wrong_token_authenticates_nobody(any_catalog: Project, token: str) -> None:
    ana = users.add_user(any_catalog, "ana", "reviewer")
    assert users.authenticate(any_catalog, token) is None
    assert users.authenticate(any_catalog, users.hash_token(ana.token)) is None  # the stored hash is no token


def test_a_revoked_token_authenticates_nobody(any_catalog: Project) -> None:
    ana = users.add_user(any_catalog, "ana", "reviewer")

    assert users.revoke_user(any_catalog, "ana") is True

    assert users.authenticate(any_catalog, ana.token) is None
    assert catalog.any_user(any_catalog.catalog) is False
    assert users.revoke_user(any_catalog, "ana") is False  # already revoked: nothing to do


def test_a_revoked_name_may_be_added_again_with_a_new_token(any_catalog: Project) -> None:
    old = users.add_user(any_catalog, "ana", "viewer")
    users.revoke_user(any_catalog, "ana")

    new = users.add_user(any_catalog, "ana", "reviewer")

    assert (users.authenticate(any_catalog, old.token), users.authenticate(any_catalog, new.token)) == (
        None,
        User("ana", "reviewer"),
    )
    assert [(u.name, u.role, u.revoked) for u in users.list_users(any_catalog)] == [("ana", "reviewer", None)]


def test_reads_on_a_project_without_a_catalog_find_nobody_and_create_nothing(any_catalog: Project) -> None:
    assert users.authenticate(any_catalog, "a-token") is None
    assert users.session(any_catalog, "a-session") is None
    assert users.list_users(any_catalog) == []
    assert catalog.any_user(any_catalog.catalog) is False
    assert catalog_state(any_catalog) is None


# -- bad input -------------------------------------------------------------------------------


NAME_HINT = "  hint: a name is 1 to 64 letters, digits, '_', '-' or '.' (for example ana.lima)"


@pytest.mark.parametrize(
    ("name", "role", "message"),
    [
        ("", "viewer", f"user name '' is not valid\n{NAME_HINT}"),
        ("ana lima", "viewer", f"user name 'ana lima' is not valid\n{NAME_HINT}"),
        ("ana/../x", "viewer", f"user name 'ana/../x' is not valid\n{NAME_HINT}"),
        ("é", "viewer", f"user name 'é' is not valid\n{NAME_HINT}"),
        ("a" * 65, "viewer", f"user name '{'a' * 65}' is not valid\n{NAME_HINT}"),
        ("ana", "reviwer", "role 'reviwer' is not one of viewer, reviewer, admin\n  hint: did you mean 'reviewer'?"),
        (
            "ana",
            "root",
            "role 'root' is not one of viewer, reviewer, admin\n"
            "  hint: a viewer reads; a reviewer also releases and rejects rows; an admin may do everything",
        ),
    ],
)
def test_a_bad_name_or_role_is_refused(any_catalog: Project, name: str, role: str, message: str) -> None:
    with pytest.raises(BadInput) as refused:
        users.add_user(any_catalog, name, role)
    assert str(refused.value) == message
    assert catalog_state(any_catalog) is None  # nothing written, not even a catalog


def test_the_longest_name_and_every_allowed_character_are_taken(any_catalog: Project) -> None:
    names = ["a" * 64, "Ana_Lima-2.ops"]
    for name in names:
        users.add_user(any_catalog, name, "viewer")
    assert [u.name for u in users.list_users(any_catalog)] == sorted(names)


def test_a_live_users_name_is_not_taken_twice(any_catalog: Project) -> None:
    ana = users.add_user(any_catalog, "ana", "reviewer")
    with pytest.raises(BadInput) as taken:
        users.add_user(any_catalog, "ana", "admin")
    assert str(taken.value) == (
        "user 'ana' exists\n  hint: choose another name, or revoke it first: dataguard users revoke ana"
    )
    assert users.authenticate(any_catalog, ana.token) == User("ana", "reviewer")


def test_revoking_an_unknown_name_says_which_names_exist(any_catalog: Project) -> None:
    users.add_user(any_catalog, "ana", "reviewer")
    with pytest.raises(BadInput) as unknown:
        users.revoke_user(any_catalog, "anna")
    assert str(unknown.value) == "no user 'anna'\n  hint: did you mean 'ana'?"
    with pytest.raises(BadInput) as far:
        users.revoke_user(any_catalog, "zed")
    assert str(far.value) == "no user 'zed'\n  hint: dataguard users list shows them"


# -- browser sessions ------------------------------------------------------------------------


def test_a_session_reads_back_its_user_and_csrf_token(any_catalog: Project) -> None:
    ana = users.authenticate(any_catalog, users.add_user(any_catalog, "ana", "reviewer").token)
    assert ana is not None

    session_id, csrf = users.open_session(any_catalog, ana)

    assert (bool(TOKEN.fullmatch(session_id)), bool(TOKEN.fullmatch(csrf)), session_id != csrf) == (True, True, True)
    assert users.session(any_catalog, session_id) == (User("ana", "reviewer"), csrf)
    assert users.session(any_catalog, csrf) is None
    assert users.session(any_catalog, "") is None
    assert catalog_rows(any_catalog, "SELECT session_hash, user_name, csrf FROM ui_sessions") == [
        (sha256(session_id), "ana", csrf)
    ]


def test_each_sign_in_is_its_own_session(any_catalog: Project) -> None:
    ana = User("ana", "reviewer")
    users.add_user(any_catalog, "ana", "reviewer")
    first, second = users.open_session(any_catalog, ana), users.open_session(any_catalog, ana)

    users.close_session(any_catalog, first[0])

    assert (users.session(any_catalog, first[0]), users.session(any_catalog, second[0])) == (None, (ana, second[1]))


def test_a_session_lasts_its_lifetime_and_no_longer(any_catalog: Project) -> None:
    users.add_user(any_catalog, "ana", "viewer")
    before = datetime.now(UTC)
    session_id, csrf = users.open_session(any_catalog, User("ana", "viewer"), lifetime_seconds=600)
    after = datetime.now(UTC)
    stored, lifetime = users.hash_token(session_id), timedelta(seconds=600)

    last_moment = before + lifetime - timedelta(microseconds=1)  # it expires at sign-in + 600 s, no earlier
    assert catalog.session_user(any_catalog.catalog, stored, last_moment) == (User("ana", "viewer"), csrf)
    assert catalog.session_user(any_catalog.catalog, stored, after + lifetime) is None


def test_an_expired_session_is_gone_at_the_next_sign_in(any_catalog: Project) -> None:
    users.add_user(any_catalog, "ana", "viewer")
    ana = User("ana", "viewer")
    expired, _ = users.open_session(any_catalog, ana, lifetime_seconds=0)
    assert users.session(any_catalog, expired) is None

    live, _ = users.open_session(any_catalog, ana)

    assert catalog_rows(any_catalog, "SELECT session_hash FROM ui_sessions") == [(sha256(live),)]


def test_revoking_a_user_ends_its_sessions(any_catalog: Project) -> None:
    users.add_user(any_catalog, "ana", "reviewer")
    users.add_user(any_catalog, "bob", "viewer")
    ana_session, _ = users.open_session(any_catalog, User("ana", "reviewer"))
    bob_session, bob_csrf = users.open_session(any_catalog, User("bob", "viewer"))

    users.revoke_user(any_catalog, "ana")
    users.add_user(any_catalog, "ana", "admin")  # the name again: the old session stays ended

    assert users.session(any_catalog, ana_session) is None
    assert users.session(any_catalog, bob_session) == (User("bob", "viewer"), bob_csrf)
    assert catalog_rows(any_catalog, "SELECT user_name FROM ui_sessions") == [("bob",)]


def test_a_session_of_a_revoked_user_is_refused_even_if_its_row_remains(any_catalog: Project) -> None:
    users.add_user(any_catalog, "ana", "reviewer")
    with catalog.writing(any_catalog.catalog) as con:  # a session row left behind, as a crash could leave it
        catalog.revoke_user(con, "ana")
        catalog.start_session(con, sha256("left"), "ana", "csrf", datetime.now(UTC) + timedelta(hours=1))

    assert users.session(any_catalog, "left") is None


# -- the command line ------------------------------------------------------------------------


def test_users_add_prints_the_token_once_and_says_so(any_catalog: Project) -> None:
    result = run("users", "add", "ana", "--role", "reviewer")

    assert result.exit_code == 0
    first, token_line, last = result.output.splitlines()
    token = token_line.strip()
    assert (first, bool(TOKEN.fullmatch(token)), last) == (
        "user ana added as reviewer; its token:",
        True,
        "this token is not shown again: give it to the user now (dataguard keeps only its hash)",
    )
    assert users.authenticate(any_catalog, token) == User("ana", "reviewer")


def test_users_add_json_is_the_name_role_and_token(any_catalog: Project) -> None:
    code, added = run_json("users", "add", "ana", "--role", "viewer")
    assert (code, sorted(added), added["name"], added["role"]) == (0, ["name", "role", "token"], "ana", "viewer")
    assert users.authenticate(any_catalog, added["token"]) == User("ana", "viewer")


def test_users_list_shows_no_token_and_no_hash(any_catalog: Project) -> None:
    assert run("users", "list").output == "no users yet: dataguard users add NAME --role reviewer\n"
    token = run_json("users", "add", "ana", "--role", "reviewer")[1]["token"]
    run_json("users", "add", "bob", "--role", "viewer")
    run("users", "revoke", "bob")
    ana, bob = users.list_users(any_catalog)
    assert bob.revoked is not None
    when = "%Y-%m-%d %H:%M:%S"

    text = run("users", "list")
    code, listed = run_json("users", "list")

    assert (text.exit_code, code) == (0, 0)
    assert text.output.splitlines() == [
        f"ana                      reviewer  created {ana.created:{when}}  live",
        f"bob                      viewer    created {bob.created:{when}}  revoked {bob.revoked:{when}}",
    ]
    assert listed == [
        {"name": "ana", "role": "reviewer", "created": ana.created.isoformat(), "revoked": None},
        {"name": "bob", "role": "viewer", "created": bob.created.isoformat(), "revoked": bob.revoked.isoformat()},
    ]
    for secret in (token, sha256(token)):
        assert secret not in text.output + str(listed)


def test_users_revoke_says_what_it_did(any_catalog: Project) -> None:
    run_json("users", "add", "ana", "--role", "reviewer")
    assert run("users", "revoke", "ana").output == "user ana revoked; its sessions ended\n"
    assert run("users", "revoke", "ana").output == "user ana was revoked already\n"
    assert run_json("users", "revoke", "ana") == (0, {"name": "ana", "revoked": False})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "ana lima", "--role", "viewer"), "error: user name 'ana lima' is not valid"),
        (("add", "ana", "--role", "root"), "error: role 'root' is not one of viewer, reviewer, admin"),
        (("add", "ana", "--role", "reviewer"), "error: user 'ana' exists"),
        (("revoke", "anna"), "error: no user 'anna'\n  hint: did you mean 'ana'?"),
    ],
)
def test_bad_input_exits_2_with_the_message(any_catalog: Project, args: tuple[str, ...], message: str) -> None:
    users.add_user(any_catalog, "ana", "reviewer")

    result = run("users", *args)

    assert (result.exit_code, result.output.startswith(message), "Traceback" in result.output) == (2, True, False)
    assert run_json("users", *args)[1]["error"]["exit_code"] == 2
