"""Screenshots of the running demo in headless Chromium (Debian's, through Playwright).

Usage: .venv-demo/bin/python scripts/demo_site/screenshot.py [--url URL] [--out FILE]

Logs in as the demo user on the login page, as a person would, then opens the
dashboard and saves it once the plan's cards have rendered.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from demo import PASSWORD, USERNAME, chromium  # noqa: E402


def login(page: object, url: str) -> None:
    """Fill the login form of Home Assistant's frontend."""
    page.goto(url)  # type: ignore[attr-defined]
    page.get_by_label("Username").fill(USERNAME)  # type: ignore[attr-defined]
    page.get_by_label("Password", exact=True).fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Log in").click()  # type: ignore[attr-defined]
    # Logged in once the frontend left the auth pages (the default view's path
    # differs between versions: /lovelace/0, /home/overview).
    page.wait_for_url(  # type: ignore[attr-defined]
        lambda address: (
            "auth" not in address and address.rstrip("/") != url.rstrip("/")
        ),
        timeout=60_000,
    )


def main() -> int:
    """Log in, open the dashboard, save the picture."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--path", default="/smart-charging/plan")
    parser.add_argument("--out", default="docs/images/demo-dashboard.png")
    parser.add_argument(
        "--wait", type=float, default=8, help="seconds for charts to draw"
    )
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1600, "height": 1300})
        login(page, args.url)
        page.goto(args.url + args.path)
        page.get_by_text("Planned and actual power per charger").wait_for(
            timeout=60_000
        )
        page.wait_for_timeout(args.wait * 1000)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=args.out, full_page=True)
        browser.close()
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
