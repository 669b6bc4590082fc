"""The review pages in a real browser: Debian's Chromium driven by Playwright, against ``dataguard ui``'s
app served by uvicorn on a loopback port. Nothing is mocked: the catalog, the quarantine files and the
decisions are the CLI's."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from dataguard.app.commands.users import add_user
from dataguard.project import Project
from tests.conftest import FEB, write_contract
from tests.test_cli import run, run_json
from tests.web_server import serving

pytestmark = pytest.mark.usefixtures("prefect_harness")
HOSTILE_VALUE = "<img src=x onerror=alert(1)>"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed: apt-get install chromium (make test installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def server(project: Project) -> Iterator[str]:
    with serving(project) as base:
        yield base


def follow(page: Page, selector: str) -> None:
    """Click a link or a submit button and wait until the page it leads to has loaded: a bare click returns
    as soon as the click is sent, before the next document exists."""
    with page.expect_navigation():
        page.click(selector)


def sign_in(browser: Browser, base: str, token: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=token]", token)
    page.click("button:text-is('sign in')")
    page.wait_for_url(f"{base}/")
    return page


@pytest.fixture
def february(flights_project: Project) -> dict[str, Any]:
    code, report = run_json("validate", "flights", FEB)
    assert code == 0
    return {"reviewer": add_user(flights_project, "rene", "reviewer").token, "report": report}


def test_a_reviewer_filters_releases_and_sees_the_revision(
    browser: Browser, server: str, february: dict[str, Any]
) -> None:
    page = sign_in(browser, server, february["reviewer"])
    assert page.inner_text("#datasets tbody").split("\t")[:4] == ["flights", "1", "WARN", "open"]
    follow(page, "#datasets a:text-is('flights')")
    follow(page, "#versions a:text-is('quarantine')")
    page.fill("input[name=code]", "str_matches")
    follow(page, "button:text-is('filter')")
    assert page.inner_text("#count") == "1 rows match; rows 1 to 1."
    (row_id,) = [int(cell) for cell in page.locator("#rows tbody td.n").all_inner_texts()]
    page.check(f"input[name=rows][value='{row_id}']")
    page.fill("input[name=note]", "a real tail number")
    follow(page, "button[value=release]")
    assert page.inner_text("#decision").split("\n") == ["revision\t1", "verdict\tWARN", "gate\topen", "rows changed\t1"]
    follow(page, "a:text-is('audit log')")
    cells = page.locator("#log tbody tr").first.locator("td").all_inner_texts()
    assert cells[1:] == ["1", "release", "1", "rene", f"--rows {row_id}", "a real tail number"]


def test_a_viewer_sees_no_decision_and_a_forged_post_is_refused(
    browser: Browser, server: str, flights_project: Project, february: dict[str, Any]
) -> None:
    page = sign_in(browser, server, add_user(flights_project, "vera", "viewer").token)
    page.goto(f"{server}/datasets/flights/versions/1/quarantine")
    assert page.locator("#rows tbody tr").count() == 50
    assert page.locator("button[value=release]").count() == 0
    form = {"action": "release", "note": "x", "rows": "1", "csrf": "forged"}
    forged = page.request.post(f"{server}/datasets/flights/versions/1/quarantine/decide", form=form)
    assert forged.status == 403
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    as_viewer = page.request.post(
        f"{server}/datasets/flights/versions/1/quarantine/decide", form=form | {"csrf": str(csrf)}
    )
    assert as_viewer.status == 403
    assert run_json("quarantine", "log", "flights")[1] == []


def test_a_hostile_value_shows_as_text(browser: Browser, server: str, project: Project, tmp_path: Path) -> None:
    write_contract(
        project,
        "tags",
        """
        import pandera.pandas as pa
        schema = pa.DataFrameSchema({"id": pa.Column(int), "tag": pa.Column(str, pa.Check.str_matches(r"^[a-z]+$"))})
        """,
    )
    source = tmp_path / "tags.csv"
    source.write_text(f'id,tag\n1,fine\n2,"{HOSTILE_VALUE}"\n', encoding="utf-8")
    assert run("validate", "tags", str(source)).exit_code == 1  # half the rows quarantined: FAIL
    page = sign_in(browser, server, add_user(project, "rene", "reviewer").token)
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    response = page.goto(f"{server}/datasets/tags/versions/1/quarantine")
    assert response is not None
    assert "script-src" not in response.headers["content-security-policy"]  # default-src 'none': no script runs
    assert HOSTILE_VALUE in page.inner_text("#rows")
    assert (page.locator("#rows img").count(), alerts) == (0, [])


def test_a_version_links_to_its_report_and_its_peek(browser: Browser, server: str, february: dict[str, Any]) -> None:
    page = sign_in(browser, server, february["reviewer"])
    page.goto(f"{server}/datasets/flights")
    follow(page, "#versions a:text-is('report')")
    assert page.title() == "flights v1: WARN · dataguard"
    follow(page, "nav a:text-is('quarantine')")
    assert page.inner_text("#count") == "80 rows match; rows 1 to 50."
    page.go_back()
    page.go_back()
    follow(page, "#versions a:text-is('peek')")
    assert page.title() == "flights v1: what training receives · dataguard peek"
