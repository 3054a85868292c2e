"""The explorer in a real browser: Debian's chromium and chromedriver driven by selenium, over a
real `headkg serve` of the real list (built from a git checkout, so lines link to GitHub). One
browser for the module; its performance log shows every request it sent, and none leaves
127.0.0.1. The screenshots of the pages a failing test saw are written to its tmp_path."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from typer.testing import CliRunner

from headkg.api.cli import app as cli_app
from headkg.db.store import HeadKG

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
]
WAIT = 20  # seconds

selenium = pytest.importorskip("selenium")
if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    if os.environ.get("CI"):
        pytest.fail("chromium and chromium-driver must be installed in CI (.ci/run installs them)", pytrace=False)
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base(checkout_store: str) -> Iterator[str]:
    """A real `headkg serve` on a free port, as a user starts it."""
    port = free_port()
    headkg = Path(sys.executable).parent / "headkg"
    server = subprocess.Popen(
        [str(headkg), "serve", "--db", checkout_store, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # serve warms the pages before it listens
        while True:
            assert server.poll() is None, server.communicate()[0]
            try:
                if httpx.get(url + "/", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "headkg serve did not start"
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
        assert "Traceback" not in output, output


class Browser:
    """The module's one browser, with the pages it saw (for screenshots on failure)."""

    def __init__(self, driver: webdriver.Chrome, base: str) -> None:
        self.driver = driver
        self.base = base
        self.shots: list[tuple[str, bytes]] = []

    def visit(self, path: str) -> None:
        self.driver.get(self.base + path)
        self.wait_for("main")

    def wait_for(self, css: str) -> Any:
        return WebDriverWait(self.driver, WAIT).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))

    def shoot(self, name: str) -> None:
        self.shots.append((name, self.driver.get_screenshot_as_png()))

    def console_errors(self) -> list[dict[str, Any]]:
        return [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def requests(self) -> list[str]:
        """Every URL the browser asked for since the last call (Chrome's performance log)."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls


@pytest.fixture(scope="module")
def browser(base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tmp_path_factory.mktemp("chromium-profile")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield Browser(driver, base)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def seen(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Browser]:
    """The browser for one test; if the test fails, the pages it saw (and the last) go to tmp_path."""
    browser.shots = []
    yield browser
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        browser.shoot("at-failure")
        for i, (name, png) in enumerate(browser.shots):
            (tmp_path / f"{i:02d}-{name}.png").write_bytes(png)
        print(f"screenshots in {tmp_path}")


def listed_papers(browser: Browser) -> list[str]:
    links = browser.driver.find_elements(By.CSS_SELECTOR, "table.papers tbody tr td:nth-child(2) > a:first-child")
    return [a.get_attribute("href").rsplit("/", 1)[1] for a in links]


def test_home_loads_without_console_errors(seen: Browser) -> None:
    seen.driver.get_log("browser")  # drop what came before
    seen.visit("/")
    seen.shoot("home")
    assert "headkg" in seen.driver.title
    seen.wait_for("img.plot")
    WebDriverWait(seen.driver, WAIT).until(
        lambda d: d.execute_script("return [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    )
    assert seen.console_errors() == []


def test_searching_a_misspelt_head_lands_on_its_page_with_the_cli_papers(seen: Browser, checkout_store: str) -> None:
    seen.visit("/")
    box = seen.driver.find_element(By.ID, "home-q")
    box.send_keys("retreival heads")
    box.send_keys(Keys.ENTER)
    WebDriverWait(seen.driver, WAIT).until(ec.url_contains("/explore/heads/retrieval-head"))
    seen.wait_for("table.papers")
    seen.shoot("retrieval-head")
    assert seen.driver.find_element(By.TAG_NAME, "h1").text == "Retrieval Head"
    result = CliRunner().invoke(cli_app, ["papers", "--head", "retrieval heads", "--json", "--db", checkout_store])
    listed = json.loads(result.output)
    assert listed_papers(seen) == [p["id"] for p in (listed["items"] if isinstance(listed, dict) else listed)]


def test_suggestions_as_you_type_are_reachable_by_keyboard(seen: Browser) -> None:
    seen.visit("/")
    box = seen.driver.find_element(By.ID, "home-q")
    box.send_keys("induct")
    WebDriverWait(seen.driver, WAIT).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, "#home-q-list [role=option]"))
    )
    seen.shoot("suggestions")
    options = [o.text for o in seen.driver.find_elements(By.CSS_SELECTOR, "#home-q-list [role=option]")]
    assert any("Induction Head" in o for o in options)
    box.send_keys(Keys.ARROW_DOWN)
    assert box.get_attribute("aria-activedescendant") == "home-q-list-0"
    box.send_keys(Keys.ENTER)
    WebDriverWait(seen.driver, WAIT).until(ec.url_contains("/explore/"))
    assert seen.driver.find_element(By.TAG_NAME, "h1").text


def test_clicking_a_paper_opens_its_page_with_readme_line_links(
    seen: Browser, snapshot_checkout: tuple[Path, str]
) -> None:
    seen.visit("/explore/heads/retrieval-head")
    seen.driver.find_element(By.LINK_TEXT, "Retrieval Head Mechanistically Explains Long-Context Factuality").click()
    WebDriverWait(seen.driver, WAIT).until(ec.url_contains("/explore/papers/arxiv-2404.15574"))
    seen.wait_for("a.line")
    seen.shoot("paper")
    commit = snapshot_checkout[1]
    hrefs = [a.get_attribute("href") for a in seen.driver.find_elements(By.CSS_SELECTOR, "a.line")]
    readme = [h for h in hrefs if "/README.md?plain=1#L" in h]
    assert readme and all(
        h.startswith(f"https://github.com/IAAR-Shanghai/Awesome-Attention-Heads/blob/{commit}/") for h in hrefs
    )
    rows = seen.driver.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=heads] tbody tr")
    assert any("README.md:" in r.text and "Retrieval Head" in r.text for r in rows)


def test_every_page_is_reached_by_clicking_from_home(seen: Browser) -> None:
    pages = [("Head types", "Head types"), ("Papers", "Papers"), ("Graph", "The graph"), ("The field", "The field")]
    for link, heading in pages:
        seen.visit("/")
        seen.driver.find_element(By.CSS_SELECTOR, "header nav").find_element(By.LINK_TEXT, link).click()
        WebDriverWait(seen.driver, WAIT).until(lambda d, h=heading: d.find_element(By.TAG_NAME, "h1").text == h)
        seen.shoot(link)
    seen.visit("/")
    seen.driver.find_element(By.LINK_TEXT, "Induction Head").click()
    WebDriverWait(seen.driver, WAIT).until(ec.url_contains("/explore/heads/induction-head"))


def drawn(browser: Browser) -> set[str]:
    return set(browser.driver.execute_script("return window.headkgGraph.drawn()"))


def test_graph_draws_every_head_type_with_a_paper_and_grows_with_the_slider(seen: Browser, checkout_store: str) -> None:
    kg = HeadKG(checkout_store)
    seen.visit("/explore/graph")
    WebDriverWait(seen.driver, WAIT).until(
        lambda d: d.find_element(By.ID, "graph").get_attribute("data-ready") == "true"
    )
    seen.shoot("graph")
    heads = {f"head:{h.slug}" for h in kg.heads() if h.paper_count}
    papers = kg.papers().items
    everything = drawn(seen)
    assert {i for i in everything if i.startswith("head:")} == heads
    assert {i for i in everything if i.startswith("paper:")} == {f"paper:{p.id}" for p in papers}
    assert set(seen.driver.find_element(By.ID, "graph").get_attribute("data-drawn").split()) == everything

    slider = seen.driver.find_element(By.ID, "graph-year")
    slider.send_keys(Keys.END)
    for _ in range(int(slider.get_attribute("max")) - 2020):  # the keyboard moves it, a year a key
        slider.send_keys(Keys.ARROW_LEFT)
    assert slider.get_attribute("value") == "2020"
    seen.shoot("graph-2020")
    first = {e.head.slug: e.paper.year or e.date.year for e in kg.timeline().entries if e.paper.year or e.date}
    then = drawn(seen)
    assert {i for i in then if i.startswith("paper:")} == {
        f"paper:{p.id}" for p in papers if p.year is not None and p.year <= 2020
    }
    assert {i for i in then if i.startswith("head:")} == {f"head:{s}" for s, y in first.items() if y <= 2020}
    assert then < everything
    assert "2020" in seen.driver.find_element(By.ID, "graph-status").text


def test_graph_search_focuses_a_node_and_a_click_opens_its_page(seen: Browser) -> None:
    seen.visit("/explore/graph")
    WebDriverWait(seen.driver, WAIT).until(
        lambda d: d.find_element(By.ID, "graph").get_attribute("data-ready") == "true"
    )
    box = seen.driver.find_element(By.ID, "graph-q")
    box.send_keys("retreival heads")
    box.send_keys(Keys.ENTER)
    WebDriverWait(seen.driver, WAIT).until(
        lambda d: d.execute_script("return window.headkgGraph.selected()") == ["head:retrieval-head"]
    )
    time.sleep(0.6)  # the focus animation (400 ms)
    seen.shoot("graph-focused")
    graph = seen.driver.find_element(By.ID, "graph")
    seen.driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", graph)  # wholly in view
    at = seen.driver.execute_script("return window.headkgGraph.position('head:retrieval-head')")
    size = graph.size
    ActionChains(seen.driver).move_to_element_with_offset(
        graph, int(at["x"] - size["width"] / 2), int(at["y"] - size["height"] / 2)
    ).click().perform()
    WebDriverWait(seen.driver, WAIT).until(ec.url_contains("/explore/heads/retrieval-head"))


def test_readable_at_phone_width(seen: Browser) -> None:
    seen.driver.set_window_size(390, 844)
    try:
        for path in ["/", "/explore/heads/retrieval-head", "/explore/papers/arxiv-2404.15574", "/explore/field"]:
            seen.visit(path)
            seen.shoot(f"phone{path.replace('/', '-')}")
            wide = seen.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert wide <= 1, (path, wide)  # nothing but a table's own scroller is wider than the screen
    finally:
        seen.driver.set_window_size(1280, 1000)


def test_no_request_leaves_127_0_0_1(browser: Browser) -> None:
    """Last in the module: everything the browser asked for, on every page above, was local."""
    urls = browser.requests()
    network = [u for u in urls if urlparse(u).scheme in ("http", "https", "ws", "wss", "ftp")]
    assert len(network) > 20  # the pages, their assets, figures and data
    assert [u for u in network if urlparse(u).hostname != "127.0.0.1"] == []
    # what else Chromium asked for is its own (chrome://new-tab-page...), inline (data:) or nothing
    assert {urlparse(u).scheme for u in urls} <= {"http", "data", "blob", "about", "chrome", "chrome-untrusted"}
