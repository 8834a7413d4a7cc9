"""The review page in a real browser: Debian's headless Chromium, driven by Selenium.

Skipped where ``chromium`` and ``chromedriver`` are not installed (CI installs them,
see .ci/run); no browser is ever downloaded. The run leaves screenshots of the page
at two widths in ``$I18N_SYNC_SCREENSHOTS`` or else in the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from i18n_sync.project.config import load_config
from i18n_sync.reports.server import ReviewServer, start_review
from review_project import HOSTILE_MSGID, NEW, TR_PO, UNTRANSLATED, changed_lines, make_project

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None, reason="needs Debian's chromium and chromium-driver"
)
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

TRANSLATION = "Sunucuyu tek komutla başlatın."
# Each would set window.pwned if the page or the preview ever ran it.
HOSTILE_TYPED = (
    'Araç <img src=x onerror="window.pwned=1;alert(1)"> '
    "<script>window.pwned=2</script>[x](javascript:window.pwned=3)"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    return make_project(tmp_path / "project")


@pytest.fixture
def server(project: Path) -> Iterator[ReviewServer]:
    running = start_review(load_config(project))
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,1000")
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    yield driver
    driver.quit()


def wait_for(driver: Any, condition: Callable[[Any], Any], timeout: float = 30) -> Any:
    return WebDriverWait(driver, timeout).until(condition)


def unit(driver: Any, msgid: str) -> Any:
    for article in driver.find_elements(By.CSS_SELECTOR, f'section[data-catalog="{TR_PO}"] article.unit'):
        if article.get_attribute("data-msgid") == msgid:
            return article
    raise AssertionError(f"no unit for {msgid!r} on the page")


def result_of(article: Any) -> str:
    return str(article.find_element(By.CSS_SELECTOR, ".result").text)


def type_into(article: Any, text: str) -> None:
    box = article.find_element(By.TAG_NAME, "textarea")
    box.clear()
    box.send_keys(text)


def frame_html(driver: Any, frame_id: str) -> str:
    driver.switch_to.frame(driver.find_element(By.ID, frame_id))
    try:
        return str(driver.execute_script("return document.documentElement.outerHTML"))
    finally:
        driver.switch_to.default_content()


def marked_text(driver: Any, frame_id: str) -> str:
    """The text of the block the preview scrolled to (the one with the edited unit)."""
    driver.switch_to.frame(driver.find_element(By.ID, frame_id))
    try:
        return str(driver.execute_script("return document.querySelector('.here')?.textContent || ''"))
    finally:
        driver.switch_to.default_content()


def assert_nothing_ran(driver: Any) -> None:
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - reading it is what raises
    assert driver.execute_script("return window.pwned") is None


def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("I18N_SYNC_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_edit_check_save_and_preview(
    browser: Any, server: ReviewServer, project: Path, tmp_path: Path
) -> None:
    po = project / TR_PO
    before = po.read_text(encoding="utf-8")
    browser.get(server.url)
    assert browser.title.startswith("Translation review")
    assert_nothing_ran(browser)  # the hostile translation on disk is shown as text

    article = unit(browser, UNTRANSLATED)
    type_into(article, TRANSLATION)
    wait_for(browser, lambda d: article.find_element(By.CSS_SELECTOR, ".checked").text == "checks pass")
    wait_for(browser, lambda d: marked_text(d, "preview-tr") == TRANSLATION)
    assert marked_text(browser, "preview-en") == UNTRANSLATED
    assert "<h1>Örnek Proje</h1>" in frame_html(browser, "preview-tr")

    folder = screenshots(tmp_path)
    browser.set_window_size(1280, 1000)
    browser.save_screenshot(str(folder / "review-1280.png"))

    article.find_element(By.CSS_SELECTOR, "button.save").click()
    wait_for(browser, lambda d: result_of(article).startswith("Saved"))
    assert result_of(article) == "Saved (translated)"
    after = po.read_text(encoding="utf-8")
    assert changed_lines(before, after) == ['-msgstr ""', f'+msgstr "{TRANSLATION}"']

    # Re-render: the page read afresh has the unit translated, and the preview shows it.
    browser.refresh()
    section = browser.find_element(By.CSS_SELECTOR, f'section[data-catalog="{TR_PO}"]')
    assert "7 translated, 1 fuzzy, 0 untranslated" in section.find_element(By.CLASS_NAME, "summary").text
    assert UNTRANSLATED not in [
        a.get_attribute("data-msgid") for a in section.find_elements(By.TAG_NAME, "article")
    ]
    unit(browser, NEW).find_element(By.CSS_SELECTOR, "button.preview-button").click()
    wait_for(browser, lambda d: TRANSLATION in frame_html(d, "preview-tr"))

    browser.set_window_size(420, 900)
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(folder / "review-420.png"))
    # Narrow, the preview sits below the units; its button takes the reader there.
    unit(browser, NEW).find_element(By.CSS_SELECTOR, "button.preview-button").click()
    preview = browser.find_element(By.CSS_SELECTOR, "aside.preview")
    top = "return arguments[0].getBoundingClientRect().top / window.innerHeight"
    wait_for(browser, lambda d: -0.01 < d.execute_script(top, preview) < 0.5)
    browser.save_screenshot(str(folder / "review-420-preview.png"))
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= browser.execute_script("return window.innerWidth")  # nothing sticks out sideways


def test_a_hostile_translation_is_refused_and_never_runs(
    browser: Any, server: ReviewServer, project: Path
) -> None:
    po = project / TR_PO
    before = po.read_bytes()
    browser.get(server.url)
    # The entry whose translation on disk is hostile: previewed, it falls back to English.
    unit(browser, HOSTILE_MSGID).find_element(By.CSS_SELECTOR, "button.preview-button").click()
    wait_for(browser, lambda d: marked_text(d, "preview-tr") == HOSTILE_MSGID)

    article = unit(browser, NEW)
    type_into(article, HOSTILE_TYPED)
    findings = lambda d: article.find_element(By.CSS_SELECTOR, "ul.findings").text  # noqa: E731
    wait_for(browser, lambda d: "[html-tags]" in findings(d) and "[unsafe-url]" in findings(d))
    wait_for(browser, lambda d: "falls back to English" in d.find_element(By.ID, "preview-doc").text)
    article.find_element(By.CSS_SELECTOR, "button.save").click()
    wait_for(browser, lambda d: result_of(article).startswith("Error") or "not saved" in result_of(article))
    assert "not saved: [link-targets]" in result_of(article) or "[html-tags]" in result_of(article)
    assert po.read_bytes() == before
    preview = frame_html(browser, "preview-tr")
    assert "onerror" not in preview and "<script" not in preview and "javascript:" not in preview
    assert marked_text(browser, "preview-tr") == NEW
    assert_nothing_ran(browser)


def test_a_change_on_disk_is_not_overwritten(browser: Any, server: ReviewServer, project: Path) -> None:
    po = project / TR_PO
    browser.get(server.url)
    edited = po.read_text(encoding="utf-8").replace('msgstr "Kurulum"', 'msgstr "Kurulum!"')
    po.write_text(edited, encoding="utf-8")
    article = unit(browser, UNTRANSLATED)
    type_into(article, TRANSLATION)
    article.find_element(By.CSS_SELECTOR, "button.save").click()
    wait_for(browser, lambda d: "changed on disk" in result_of(article))
    assert po.read_text(encoding="utf-8") == edited


def test_saving_a_stale_unit_clears_fuzzy_unless_kept(
    browser: Any, server: ReviewServer, project: Path
) -> None:
    po = project / TR_PO
    before = po.read_text(encoding="utf-8")
    browser.get(server.url)
    article = unit(browser, NEW)
    type_into(article, "Çevrilmiş Markdown belgeleri güncel tutan küçük, hızlı bir araç.")
    article.find_element(By.CSS_SELECTOR, "input.keep-fuzzy").click()
    article.find_element(By.CSS_SELECTOR, "button.save").click()
    wait_for(browser, lambda d: result_of(article) == "Saved (fuzzy)")
    assert "#, fuzzy\n#| msgid" in po.read_text(encoding="utf-8")
    article.find_element(By.CSS_SELECTOR, "input.keep-fuzzy").click()
    article.find_element(By.TAG_NAME, "textarea").send_keys(Keys.CONTROL, Keys.ENTER)  # saves too
    wait_for(browser, lambda d: result_of(article) == "Saved (translated)")
    assert article.find_element(By.CSS_SELECTOR, ".badge").text.lower() == "translated"
    removed = [line for line in changed_lines(before, po.read_text(encoding="utf-8")) if line[0] == "-"]
    assert removed == [
        "-#, fuzzy",
        '-#| msgid "A small tool that keeps translated documents in sync."',
        '-msgstr "Çevrilmiş belgeleri güncel tutan küçük bir araç."',
    ]
