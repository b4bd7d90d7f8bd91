"""End-to-end: set up Opti-VGI in a real Home Assistant, in a real browser.

Run by ``scripts/test --e2e`` (and ``.ci/run``) with the demo's venv. It starts
Home Assistant 2026.11 with the demo's simulated site but no opti_vgi entry,
completes onboarding through the API, then drives headless Chromium (Debian's,
through Playwright; nothing is downloaded) as a person would: Add integration,
the site's forms with one validation error and its recovery, a charger and a
vehicle added as subentries, and the devices they created. The entities are
then checked through the REST API. Every step leaves a screenshot in
``docs/images/setup-NN-<step>.png``; the README's setup walkthrough shows them.

Exits 0 when every step and check passed, 1 with the failing step otherwise
(and a screenshot of the page as it was then, ``setup-failed.png``).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import re
import shutil
import sys
import tempfile

from playwright.async_api import Page, async_playwright

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts" / "demo_site"))
from demo import (
    PASSWORD,
    PLANNED_STATES,
    USERNAME,
    Demo,
    DemoError,
    chromium,
)

IMAGES = REPO / "docs" / "images"
SITE_STATUS = "sensor.demo_home_status"


class Steps:
    """The browser session and the screenshots it leaves."""

    def __init__(self, page: Page, url: str, images: Path) -> None:
        self.page = page
        self.url = url
        self.images = images
        self.count = 0
        self.step = "start"

    async def shot(self, name: str) -> None:
        """Save what the page shows now, numbered in order."""
        self.count += 1
        self.step = name
        await self.page.wait_for_timeout(600)  # let dialogs finish animating
        await self.page.screenshot(
            path=self.images / f"setup-{self.count:02d}-{name}.png"
        )

    async def pick(self, search: str, item: str | None = None) -> None:
        """Fill the next empty entity picker: open it, search, choose the entity."""
        await self.page.get_by_text("Select an entity").first.click()
        # The popover's search field takes the focus once it has opened; typed
        # before that, the keys would go to the page's own shortcuts.
        await self.page.wait_for_timeout(900)
        await self.page.keyboard.type(search, delay=20)
        await self.page.get_by_role("option", name=item or search).first.click()
        await self.page.wait_for_timeout(700)  # the form re-renders with the choice

    async def submit(self) -> None:
        """Press the dialog's Submit button."""
        await self.page.get_by_role("button", name="Submit").click()
        await self.page.wait_for_timeout(800)

    async def fill(self, label: str, value: str) -> None:
        """Type into a text or number field named by its label."""
        # Home Assistant's text fields draw their label in their own shadow root,
        # not as a <label> of the input: find the field by the text it shows.
        field = (
            self.page.locator("ha-selector-number, ha-selector-text")
            .filter(has_text=label)
            .first.locator("input")
            .first
        )
        for _ in range(3):  # a form that re-renders meanwhile can drop the keys
            await field.click()
            await field.fill(value)
            await self.page.wait_for_timeout(300)
            if await field.input_value() == value:
                return
        msg = f"the field {label!r} did not take {value!r}"
        raise AssertionError(msg)

    async def finish(self, name: str) -> None:
        """The flow's last dialog (a new device offers to name it and pick an area)."""
        button = self.page.get_by_role(
            "button", name=re.compile("finish", re.IGNORECASE)
        )
        await button.first.wait_for(timeout=30_000)
        await self.shot(name)
        await button.first.click()
        await self.page.wait_for_timeout(800)

    async def see(self, text: str) -> None:
        """Fail unless the text shows within 30 s."""
        await self.page.get_by_text(text).first.wait_for(timeout=30_000)


async def login(steps: Steps) -> None:
    """The login page, as a person fills it."""
    page = steps.page
    await page.goto(steps.url)
    await page.get_by_label("Username").fill(USERNAME)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await steps.shot("login")
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(
        lambda address: (
            "auth" not in address and address.rstrip("/") != steps.url.rstrip("/")
        ),
        timeout=60_000,
    )


async def add_site(steps: Steps) -> None:
    """Add integration -> Opti-VGI -> prices -> grid connection -> limit."""
    page = steps.page
    await page.goto(f"{steps.url}/config/integrations/dashboard")
    await page.get_by_role("button", name="Add integration").click()
    await page.wait_for_timeout(1000)
    await page.keyboard.type("Opti-VGI")
    await page.get_by_text("Opti-VGI").first.click()
    await steps.see("A sensor with prices")
    await steps.shot("price-source")
    await page.get_by_text("A sensor with prices").click()
    await steps.see("Price sensors found here: Day-ahead price (Nord Pool (HACS))")
    await steps.pick("Day-ahead price")
    await steps.shot("price-sensor")
    await steps.submit()
    await steps.see("Grid connection")
    await page.get_by_text("Current per phase (A)").click()
    await steps.pick("Grid power")
    await steps.pick("Grid current L1")
    await steps.pick("Grid current L2")
    await steps.pick("Grid current L3")
    await steps.shot("grid-connection")
    await steps.submit()
    await steps.see("Current limit per phase")
    await steps.fill("Current limit per phase", "0")
    await steps.submit()
    await steps.see("Enter a value from")  # the translated range error
    await steps.shot("limit-error")
    await steps.fill("Current limit per phase", "32")
    await steps.shot("limit-fixed")
    await steps.submit()
    await steps.finish("site-created")


async def add_charger(steps: Steps) -> None:
    """Add charger on the integration's page: the garage's wallbox (a number in A)."""
    page = steps.page
    await page.goto(f"{steps.url}/config/integrations/integration/opti_vgi")
    await page.get_by_role("button", name="Add charger").first.click()
    await steps.see("Status entity")
    await steps.fill("Name", "Garage")
    await steps.pick("Garage wallbox status")
    await steps.shot("charger-identity")
    await steps.submit()
    await steps.see("Minimum current")
    await steps.pick("Garage wallbox power")
    await steps.pick("Garage wallbox energy")
    await steps.shot("charger-limits")
    await steps.submit()
    await steps.see("Limit entity")
    await steps.pick("Garage wallbox current limit")
    await steps.shot("charger-number")
    await steps.submit()
    await steps.see("Pause by")
    await steps.shot("charger-pause")
    await steps.submit()
    await steps.see("Plugged-in states")
    for index, state in ((0, "connected"), (0, "charging"), (1, "charging")):
        await page.get_by_role("button", name="Add", exact=True).nth(index).click()
        await page.wait_for_timeout(900)
        await page.keyboard.type(state, delay=20)
        await page.keyboard.press("Enter")
        await page.wait_for_timeout(500)
    await steps.shot("charger-status")
    await steps.submit()
    await steps.finish("charger-created")


async def add_vehicle(steps: Steps) -> None:
    """Add vehicle: the Ioniq 5 with its SoC sensor, usually at the garage."""
    page = steps.page
    await page.get_by_role("button", name="Add vehicle").first.click()
    await steps.see("State of charge sensor")
    await steps.fill("Name", "Ioniq 5")
    await steps.pick("Ioniq 5 battery")
    await steps.fill("Battery capacity", "77")
    await steps.shot("vehicle")
    await steps.submit()
    await steps.see("Phases")
    await steps.shot("vehicle-charger")
    await steps.submit()
    await steps.finish("vehicle-created")
    await page.goto(f"{steps.url}/config/integrations/integration/opti_vgi")
    await steps.see("Ioniq 5")
    await steps.shot("devices")


async def check_entities(demo: Demo) -> list[str]:
    """What the setup created, read through the REST API."""
    states = {s["entity_id"]: s for s in await demo.api("GET", "/api/states")}
    wanted = {
        SITE_STATUS: None,
        "sensor.garage_planned_current": None,
        "sensor.garage_control": None,
        "select.garage_mode": "smart",
        "number.ioniq_5_target_state_of_charge": None,
        "sensor.ioniq_5_energy_needed": None,
    }
    problems = []
    for entity_id, state in wanted.items():
        found = states.get(entity_id)
        if found is None:
            problems.append(f"{entity_id} is missing")
        elif state is not None and found["state"] != state:
            problems.append(f"{entity_id} is {found['state']}, not {state}")
    status = states.get(SITE_STATUS, {}).get("state")
    if status not in PLANNED_STATES and status != "idle":
        problems.append(f"{SITE_STATUS} is {status}")
    if problems:
        raise DemoError("; ".join(problems))
    return [f"{e}: {states[e]['state']}" for e in wanted]


async def run(port: int, images: Path, *, headed: bool) -> int:
    """Start Home Assistant, drive the browser, check, stop."""
    folder = Path(tempfile.mkdtemp(prefix="opti-vgi-e2e-"))
    demo = Demo("127.0.0.1", port, folder)
    demo.write_config()
    steps: Steps | None = None
    try:
        await demo.start()
        await demo.wait_up(300)
        await demo.onboard()
        await demo.wait_entities(
            ["sensor.day_ahead_price", "sensor.garage_wallbox_status"], 120
        )
        await demo.start_scenario({})
        await demo.api(
            "POST",
            "/api/services/input_boolean/turn_on",
            {"entity_id": "input_boolean.sim_garage_plugged"},
        )
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=chromium(),
                headless=not headed,
                args=["--no-sandbox", "--disable-gpu"],
            )
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            steps = Steps(page, demo.url, images)
            try:
                await login(steps)
                await add_site(steps)
                await add_charger(steps)
                await add_vehicle(steps)
            except Exception as error:
                await page.screenshot(path=images / "setup-failed.png")
                msg = f"step after '{steps.step}' failed: {error}"
                raise DemoError(msg) from error
            finally:
                await browser.close()
        for line in await check_entities(demo):
            print(f"  {line}")
        print(f"browser setup passed: {steps.count} screenshots in {images}")
    except DemoError as error:
        print(f"e2e: {error}", file=sys.stderr)
        return 1
    finally:
        await demo.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8125)
    parser.add_argument("--images", type=Path, default=IMAGES)
    parser.add_argument("--headed", action="store_true", help="show the browser")
    args = parser.parse_args(argv)
    args.images.mkdir(parents=True, exist_ok=True)
    for old in args.images.glob("setup-*.png"):
        old.unlink()  # a step that no longer exists leaves no stale picture
    return asyncio.run(run(args.port, args.images, headed=args.headed))


if __name__ == "__main__":
    sys.exit(main())
