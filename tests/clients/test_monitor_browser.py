"""The monitor in a real browser: Debian's headless Chromium driven by Selenium (chromium-driver).

Log in, see a blocking chain made by real pytds sessions appear in the live page, kill its head with the button
and its confirmation dialog, watch the waiter proceed and the kill history gain the row.  A screenshot of the page
with the chain is written to the test's directory (and to $QUIETUS_MONITOR_SCREENSHOT when that is set).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.server_harness import PASSWORD, WAIT_LIMIT, RunningServer, running_server
from tests.clients.test_kill_clients import background, query, running, spid
from tests.clients.test_server_clients import pytds_connect

webdriver = pytest.importorskip("selenium.webdriver")
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.slow
# The flags a closed network needs (docs: /work/.library/env/machines/python.md): no background connections.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1600,1000",
)


@contextlib.contextmanager
def browser() -> Iterator[Any]:
    profile = tempfile.mkdtemp(prefix="quietus-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.accept_insecure_certs = True  # the data directory's self-signed certificate
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def click(wait: Any, locator: tuple[str, str]) -> None:
    """Click what ``locator`` finds; the live tables are rebuilt every second, so a row found may be replaced
    before the click lands: find it again then."""

    def clicked(driver: Any) -> bool:
        try:
            driver.find_element(*locator).click()
        except (StaleElementReferenceException, NoSuchElementException):
            return False
        return True

    wait.until(clicked)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path / "data", monitor=True) as running_:
        with pytds_connect(running_, autocommit=True) as conn:
            query(conn, "CREATE TABLE browser_t (id int PRIMARY KEY, v int)")
            query(conn, "INSERT INTO browser_t VALUES (1, 0)")
        yield running_


def test_kill_a_blocking_head_from_the_page(server: RunningServer, tmp_path: Path) -> None:
    head = pytds_connect(server, autocommit=False, appname="payroll batch")
    waiter = pytds_connect(server, autocommit=True, appname="web shop")
    try:
        head_id, waiter_id = spid(head), spid(waiter)
        query(head, "UPDATE browser_t SET v = v + 1 WHERE id = 1")
        thread, outcome = background(lambda: query(waiter, "UPDATE browser_t SET v = v + 10 WHERE id = 1"))
        server.wait_for(running(server, waiter_id, "LCK_M_"), "the waiter to block")
        with browser() as driver:
            # the live tables are rebuilt every second: an element read may be replaced under the read; read again
            wait = WebDriverWait(driver, WAIT_LIMIT, ignored_exceptions=(StaleElementReferenceException,))
            driver.get(f"https://127.0.0.1:{server.monitor_port}/")
            wait.until(expected_conditions.presence_of_element_located((By.NAME, "login")))
            driver.find_element(By.NAME, "login").send_keys("sa")
            driver.find_element(By.NAME, "password").send_keys(PASSWORD)
            driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
            head_node = (By.CSS_SELECTOR, f"#blocking li[data-session='{head_id}'] li[data-session='{waiter_id}']")
            wait.until(expected_conditions.presence_of_element_located(head_node))
            wait.until(lambda d: d.find_element(By.ID, "live").text.startswith("live 2"))  # an event arrived
            shot = tmp_path / "monitor.png"
            driver.save_screenshot(str(shot))
            assert shot.stat().st_size > 0
            if os.environ.get("QUIETUS_MONITOR_SCREENSHOT"):
                shutil.copy(shot, os.environ["QUIETUS_MONITOR_SCREENSHOT"])

            waiter_cell = (By.CSS_SELECTOR, f"#sessions tr[data-session='{waiter_id}'] td.session_id")
            click(wait, waiter_cell)
            wait.until(lambda d: d.find_element(By.ID, "locks-title").text == f"Locks of session {waiter_id}")
            assert "WAIT" in driver.find_element(By.CSS_SELECTOR, "#locks tbody").text

            button = (By.CSS_SELECTOR, f"#sessions button.kill[data-session='{head_id}']")
            click(wait, button)
            wait.until(expected_conditions.visibility_of_element_located((By.ID, "confirm-kill")))
            assert "sessions wait behind it" in driver.find_element(By.ID, "confirm-text").text
            driver.find_element(By.ID, "confirm-kill").click()
            wait.until(lambda d: "killed" in d.find_element(By.ID, "outcome").text)
            thread.join(WAIT_LIMIT)
            assert outcome == [[]], outcome  # the waiter proceeded
            wait.until(lambda d: str(head_id) in d.find_element(By.CSS_SELECTOR, "#history tbody").text)
    finally:
        waiter.close()
        with contextlib.suppress(Exception):
            head.close()
