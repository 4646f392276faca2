"""Headless Chromium on Tandem's admin page: opens URL (with #token=...), waits until the calls
table shows a call to CALLEE, saves a screenshot to SHOT and prints one JSON line with what the
page showed. Usage: chromium_admin.py URL CALLEE SHOT"""
import json
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def main():
    url, callee, shot = sys.argv[1], sys.argv[2], sys.argv[3]
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/lib/chromium/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--window-size=1200,900"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(url)
        rows, deadline = [], time.time() + 20
        while time.time() < deadline:
            rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                    for tr in driver.find_elements(By.CSS_SELECTOR, "#calls tbody tr")]
            charts = driver.find_elements(By.CSS_SELECTOR, "#charts .chart")
            if any(r and r[1] == callee for r in rows) and len(charts) >= 4:
                break
            time.sleep(0.2)
        time.sleep(2.5)  # a second sample, so the charts draw a line
        driver.save_screenshot(shot)
        trunks = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                  for tr in driver.find_elements(By.CSS_SELECTOR, "#trunks tbody tr")]
        print(json.dumps({"type": "result", "calls": rows, "trunks": trunks,
                          "charts": [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#charts .chart")],
                          "status": driver.find_element(By.ID, "status").text}), flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
