"""Takes the README's screenshot of the policy lab (docs/img/serve.png) with headless
Chromium: scholarships at full coverage against the baseline, 100,000 youths, 4 replicates,
120 months.

Usage: python tests/browser/screenshot.py target/release/narcodoor docs/img/serve.png
(the same Python environment as test_page.py).
"""

import os
import sys
import tempfile

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_page  # noqa: E402


def main():
    binary, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    proc, base = test_page.start_server(binary)
    try:
        with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as downloads:
            driver = test_page.browser(profile, downloads)
            driver.set_window_size(1366, 900)
            try:
                driver.get(base + "/")
                wait = WebDriverWait(driver, 60)
                wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'input[name="policy.scholarships.coverage"]'))
                driver.find_element(By.CSS_SELECTOR, 'input[name="policy.scholarships.coverage"]').send_keys(Keys.END)
                test_page.set_number(driver, "youths", 100000)
                test_page.set_number(driver, "replicates", 4)
                test_page.set_number(driver, "months", 120)
                driver.find_element(By.ID, "run").click()
                WebDriverWait(driver, 300).until(lambda d: d.find_element(By.ID, "status").text == "Done.")
                driver.execute_script("window.scrollTo(0, 0)")
                driver.save_screenshot(out)
                print(f"wrote {out}")
            finally:
                driver.quit()
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
