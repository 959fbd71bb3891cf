"""The policy lab page in a real browser (issue 14).

Starts `narcodoor serve` on a free loopback port, opens the page in headless Debian Chromium
through chromium-driver, moves a lever with the keyboard, runs, waits for the charts and
the effects table, downloads scenario.toml and checks that `narcodoor validate` accepts it.
Then parameter uncertainty: the checkbox is hidden for the baseline (it ships no posterior),
shown for mexico_2000; ticked, a run's effects table gains the columns over draws.

Usage: python tests/browser/test_page.py path/to/narcodoor [screenshot.png]
Run by .ci/steps/60-browser.sh, which installs Chromium, chromium-driver and selenium.
"""

import os
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1366,1000",
]


def start_server(binary):
    scenarios = os.path.join(os.path.dirname(__file__), "..", "..", "scenarios")
    proc = subprocess.Popen(
        [binary, "serve", "--port", "0", "--scenarios", scenarios],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        raise RuntimeError(f"the server did not start: {line!r}")
    base = "http://" + line.split("http://")[1].split("/")[0]
    return proc, base


def browser(profile, downloads):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_experimental_option(
        "prefs", {"download.default_directory": downloads, "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    return driver


def set_number(driver, element_id, value):
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(str(value))


def check_page(driver, base, binary, downloads, screenshot):
    wait = WebDriverWait(driver, 60)
    driver.get(base + "/")
    slider = wait.until(
        EC.presence_of_element_located((By.CSS_SELECTOR, 'input[name="policy.scholarships.coverage"]'))
    )
    # Labelled: the slider has a <label for=...>.
    label = driver.find_element(By.CSS_SELECTOR, f'label[for="{slider.get_attribute("id")}"]')
    assert label.text.strip(), "the slider has a label"
    before = float(slider.get_attribute("value"))
    slider.send_keys(Keys.ARROW_RIGHT * 20)  # moved with the keyboard
    after = float(slider.get_attribute("value"))
    assert after > before, (before, after)
    assert driver.find_element(By.ID, "toggle-scholarships").is_selected(), "moving a lever switches it on"
    set_number(driver, "youths", 20000)
    set_number(driver, "replicates", 3)
    set_number(driver, "months", 36)
    driver.find_element(By.ID, "run").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#chart-members polyline.line.policy")))
    WebDriverWait(driver, 180).until(lambda d: d.find_element(By.ID, "status").text == "Done.")
    rows = driver.find_elements(By.CSS_SELECTOR, "#effects tbody tr")
    assert len(rows) == 18 + 9, len(rows)  # key rows, then spending by lever (as effects.csv)
    assert driver.find_element(By.ID, "effects").is_displayed()
    for key in ["members", "recruits", "homicide_rate", "spending_total"]:
        line = driver.find_element(By.CSS_SELECTOR, f"#chart-{key} polyline.line.policy")
        assert len(line.get_attribute("points").split()) == 36, key
        driver.find_element(By.CSS_SELECTOR, f"#chart-{key} polygon.band.policy")
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    outside = [r for r in resources if not r.startswith(base)]
    assert not outside, f"the page fetched from elsewhere: {outside}"
    if screenshot:
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(screenshot)
    driver.find_element(By.LINK_TEXT, "scenario.toml").click()
    target = os.path.join(downloads, "scenario.toml")
    deadline = time.time() + 30
    while not os.path.exists(target) and time.time() < deadline:
        time.sleep(0.2)
    assert os.path.exists(target), f"no download in {downloads}: {os.listdir(downloads)}"
    text = open(target, encoding="utf-8").read()
    assert "policy.scholarships.coverage" in text, text[:400]
    done = subprocess.run([binary, "validate", target], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    print(f"scenario.toml validates: {done.stdout.strip()}")


def check_uncertainty(driver):
    wait = WebDriverWait(driver, 60)
    box = driver.find_element(By.ID, "posterior")
    assert not box.is_displayed(), "no uncertainty checkbox for the baseline (it ships no posterior)"
    assert not driver.find_element(By.CSS_SELECTOR, "#effects th.uncertain").is_displayed()
    Select(driver.find_element(By.ID, "scenario")).select_by_value("mexico_2000")
    wait.until(lambda d: d.find_element(By.ID, "posterior").is_displayed())
    label = driver.find_element(By.CSS_SELECTOR, 'label[for="posterior"]')
    assert label.text.strip() == "include parameter uncertainty", label.text
    box = driver.find_element(By.ID, "posterior")
    box.send_keys(Keys.SPACE)  # ticked with the keyboard
    assert box.is_selected()
    set_number(driver, "youths", 20000)
    set_number(driver, "replicates", 4)
    set_number(driver, "months", 24)
    driver.find_element(By.ID, "run").click()
    WebDriverWait(driver, 180).until(lambda d: d.find_element(By.ID, "status").text in ("Done.", "Failed."))
    assert driver.find_element(By.ID, "status").text == "Done.", driver.find_element(By.ID, "error").text
    heads = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#effects th.uncertain") if th.is_displayed()]
    assert heads == ["Over draws: mean [90% interval]", "P(lower than baseline)", "Parameters' share of variance"], heads
    first = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#effects tbody tr:first-child td")]
    assert len(first) == 5 + 3, first
    interval, p_lower, share = first[5:]
    assert "[" in interval and "]" in interval, interval
    assert p_lower.endswith("%") and share.endswith("%"), (p_lower, share)
    assert "2 draws" in driver.find_element(By.ID, "effects-note").text
    links = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#downloads a")]
    assert "uncertainty.csv" in links, links
    print(f"under the posterior, the first effect row: {first}")


def main():
    binary = os.path.abspath(sys.argv[1])
    screenshot = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    proc, base = start_server(binary)
    failed = 0
    try:
        with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as downloads:
            driver = browser(profile, downloads)
            try:
                check_page(driver, base, binary, downloads, screenshot)
                check_uncertainty(driver)
            except Exception as e:  # reported as a failure below
                failed = 1
                print(f"FAILED: {type(e).__name__}: {e}")
            finally:
                driver.quit()
    finally:
        proc.kill()
        proc.wait()
    print(f"{1 - failed} passed, {failed} failed")
    sys.exit(failed)


if __name__ == "__main__":
    main()
