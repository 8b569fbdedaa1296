"""The dashboard in a real browser (headless Chromium via Playwright) against a real ``o2c serve``:
log in, upload a purchase order, find it in the exception queue, approve it, see the order; a rep
reports a case from a phone-sized screen. Screenshots are kept in the test's tmp folder."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
PASSWORD = "browser-pass-1"
PO_TEXT = "PO 4500012399\nPlease ship to Harbor View Hospital\n2x K-1002 ACETABULAR SHELL 52MM @ $1,395.00\n"

if not (os.path.exists(CHROMIUM) and shutil.which("chromium")) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)
if os.environ.get("CI"):
    from playwright import sync_api          # in CI a missing browser stack is a failure, not a skip
else:
    sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(url: str, master) -> None:
    """Schema, demo master data and two users, in-process (faster than four CLI runs)."""
    from o2c.masterdata.service import load_master_data
    from o2c.storage.db import dispose_engines
    from o2c.storage.migrate import migrate
    from o2c.storage.uow import unit_of_work
    from o2c.web.users import add_user
    migrate(url)
    with unit_of_work("test", url=url) as uow:
        load_master_data(uow, master)
        add_user(uow, "olivia", "operations", PASSWORD)
        add_user(uow, "morgan", "rep", PASSWORD, rep_id="DR-1")
    dispose_engines()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from o2c.demo import demo_master_dir
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'o2c.db'}"
    env = {**os.environ, "O2C_DATABASE_URL": url}
    env.pop("O2C_CONFIG", None)
    _seed(url, demo_master_dir())
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "o2c", "serve", "--port", str(port), "--log-level", "warning"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/api/health", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(process.stdout.read().decode())
            time.sleep(0.1)
    yield base, folder
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield instance
        instance.close()


def _login(page, base: str, username: str, start: str = "/queue") -> None:
    page.set_default_timeout(10000)
    page.goto(base + start)
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_upload_queue_approve(server, browser):
    base, folder = server
    po = folder / "po-4500012399.txt"
    po.write_text(PO_TEXT)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, base, "olivia")
    page.wait_for_url(base + "/queue")
    page.click("text=Upload")
    page.set_input_files("input[name=file]", str(po))
    page.select_option("select[name=channel]", "email")
    page.fill("input[name=sender]", "ap@harborview.example")
    page.click("form button[type=submit]:has-text('Upload')")
    page.wait_for_selector("#result")
    assert "exception" in page.inner_text("#result") and "price_mismatch" in page.inner_text("#result")
    page.click("nav >> text=Queue")
    row = page.locator("table.list tbody tr", has_text="po-4500012399.txt")
    assert row.count() == 1 and "price_mismatch" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_selector("#approve")
    assert "K-1002" in page.content()
    page.screenshot(path=str(folder / "queue-item.png"), full_page=True)
    page.click("#approve")
    page.wait_for_selector(".flash.ok")
    assert "approved: created" in page.inner_text(".flash.ok")
    page.screenshot(path=str(folder / "approved.png"), full_page=True)
    page.click("nav >> text=Orders")
    assert "2,550.00" in page.inner_text("table.list")
    page.goto(base + "/aging?as_of=2026-11-20")
    assert page.locator("svg.chart rect").count() == 5
    page.screenshot(path=str(folder / "aging.png"), full_page=True)
    print(f"screenshots in {folder}")


def test_rep_reports_a_case_on_a_phone(server, browser):
    base, folder = server
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    _login(page, base, "morgan", "/report")
    page.wait_for_url(base + "/report")
    page.fill("input[name=facility]", "Harbor View Hospital")
    page.fill("input[name=physician]", "Patel")
    page.fill("input[name=date]", "2026-11-19")
    page.fill("input[name=item0]", "K-1001")
    page.fill("input[name=qty0]", "1")
    page.fill("input[name=lot0]", "L44512")
    page.click("button:has-text('Send report')")
    page.wait_for_selector("#result")
    assert "K-1001" in page.inner_text("#result")
    page.screenshot(path=str(folder / "rep-report.png"), full_page=True)
    context.close()
