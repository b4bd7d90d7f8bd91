"""Start the live demo: a real Home Assistant running opti_vgi on a simulated site.

Run through ``scripts/demo`` (which makes the venv). Everything is done the way a
person would do it, through Home Assistant's own APIs: onboarding, a long-lived
token, the config flow of the site and the subentry flows of its chargers and
vehicles, and a dashboard. The simulated site itself is Home Assistant YAML
(``site.yaml``): helpers, template entities, a script and automations.

Only the standard library and aiohttp (which Home Assistant ships) are used, so the
driver runs in the demo's venv without anything of ours installed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import json
import os
from pathlib import Path
import shutil
import signal
import sys
import time
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
USERNAME = "demo"
PASSWORD = "opti-vgi-demo"  # noqa: S105 - a local demo's published password
CLIENT_NAME = "opti_vgi demo"
DOMAIN = "opti_vgi"
STATUS_ENTITY = "sensor.demo_home_status"
PLANNED_STATES = {"ok", "shortfall", "estimated_prices", "fallback", "prices_stale"}

# The simulated chargers: what the charger flow is told, and the entity that shows
# the limit opti_vgi wrote (a number, or the helper the OCPP-style script sets).
CHARGERS: tuple[dict[str, Any], ...] = (
    {
        "name": "Garage",
        "status_entity": "sensor.garage_wallbox_status",
        "charger": {
            "control": "number",
            "connection": "three_phase",
            "min_current": 6,
            "max_current": 16,
            "power_entity": "sensor.garage_wallbox_power",
            "energy_entity": "sensor.garage_wallbox_energy",
        },
        "number": {"current_entity": "number.garage_wallbox_current_limit"},
        "limit_entity": "number.garage_wallbox_current_limit",
        "plug": "input_boolean.sim_garage_plugged",
    },
    {
        "name": "Driveway",
        "status_entity": "sensor.driveway_wallbox_status",
        "charger": {
            "control": "number",
            "connection": "three_phase_l2",
            "min_current": 6,
            "max_current": 16,
            "power_entity": "sensor.driveway_wallbox_power",
            "energy_entity": "sensor.driveway_wallbox_energy",
        },
        "number": {"current_entity": "number.driveway_wallbox_power_limit"},
        "limit_entity": "number.driveway_wallbox_power_limit",
        "plug": "input_boolean.sim_driveway_plugged",
    },
    {
        "name": "Carport",
        "status_entity": "sensor.carport_wallbox_status",
        "charger": {
            "control": "action",
            "connection": "single_phase_l2",
            "min_current": 6,
            "max_current": 16,
            "power_entity": "sensor.carport_wallbox_power",
            "energy_entity": "sensor.carport_wallbox_energy",
        },
        "action": {
            "preset": "custom",
            "action": "script.carport_set_charge_rate",
            "action_value_field": "limit_amps",
            "action_unit": "A",
            "action_data": {"conn_id": 1},
        },
        "limit_entity": "input_number.sim_carport_limit",
        "plug": "input_boolean.sim_carport_plugged",
    },
)
STATUS_STATES = {
    "plugged_states": ["connected", "charging"],
    "charging_states": ["charging"],
}

VEHICLES: tuple[dict[str, Any], ...] = (
    {
        "user": {
            "name": "Ioniq 5",
            "soc_entity": "sensor.ioniq_5_battery",
            "capacity_kwh": 77,
            "target_soc": 80,
            "min_soc": 30,
            "max_power_kw": 11,
            "charger": "Garage",
        },
        "obc": {"phases": "3", "max_current": 16},
    },
    {
        "user": {
            "name": "Kona",
            "capacity_kwh": 64,
            "session_energy": 18,
            "max_power_kw": 11,
            "charger": "Driveway",
        },
        "obc": {"phases": "3", "max_current": 16},
    },
    {
        "user": {
            "name": "Leaf",
            "capacity_kwh": 40,
            "session_energy": 14,
            "max_power_kw": 3.7,
            "advanced": {"plan_ahead": True},
            "charger": "Carport",
        },
        "obc": {"phases": "1", "max_current": 16},
    },
)

SITE_LIMIT = {
    "limit_mode": "current",
    "grid_power_entity": "sensor.grid_power",
    "grid_power_sign": "import_positive",
    "phase_l1_entity": "sensor.grid_current_l1",
    "phase_l2_entity": "sensor.grid_current_l2",
    "phase_l3_entity": "sensor.grid_current_l3",
}
SITE_LIMIT_CURRENT = {"site_limit_a": 32, "site_phases": "3", "site_voltage": 230}


class DemoError(Exception):
    """Something the demo could not do; the message says what and where to look."""


@dataclass
class Demo:
    """One run of the demo: the folder, the Home Assistant process, the API."""

    host: str
    port: int
    folder: Path
    speed: float = 1.0
    process: asyncio.subprocess.Process | None = None
    token: str = ""
    session: aiohttp.ClientSession = field(init=False)

    @property
    def url(self) -> str:
        """Where Home Assistant is served."""
        return f"http://{self.host}:{self.port}"

    @property
    def config(self) -> Path:
        """Home Assistant's config folder."""
        return self.folder / "config"

    # --- the config folder -------------------------------------------------------

    def write_config(self) -> bool:
        """Write configuration.yaml and the site; True for a new folder.

        The ``http:`` section is only written into a new folder: Home Assistant
        2026.11 migrates it to storage as a trial once and ignores it afterwards.
        """
        new = not (self.config / ".storage" / "onboarding").exists()
        self.config.mkdir(parents=True, exist_ok=True)
        text = (HERE / "configuration.yaml").read_text()
        text = text.replace("@TIME_ZONE@", _local_time_zone())
        text = text.replace("@COUNTRY@", os.environ.get("DEMO_COUNTRY", "DE"))
        if new:
            text += f"\nhttp:\n  server_host: {self.host}\n  server_port: {self.port}\n"
            (self.folder / "address").write_text(f"{self.host}:{self.port}\n")
        else:
            stored = (self.folder / "address").read_text().strip()
            if stored != f"{self.host}:{self.port}":
                msg = (
                    f"this demo folder serves {stored}; start it with that "
                    "--host/--port, "
                    "or use --reset to start again from nothing"
                )
                raise DemoError(msg)
        (self.config / "configuration.yaml").write_text(text)
        shutil.copyfile(HERE / "site.yaml", self.config / "site.yaml")
        automations = self.config / "automations.yaml"
        if not automations.exists():
            automations.write_text("[]\n")
        components = self.config / "custom_components"
        components.mkdir(exist_ok=True)
        link = components / DOMAIN
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(REPO / "custom_components" / DOMAIN)
        return new

    # --- Home Assistant ----------------------------------------------------------

    async def start(self) -> None:
        """Start ``hass`` in its own process group, its output in a log file."""
        try:
            _reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            pass  # nothing listens there: ours to take
        else:
            writer.close()
            msg = (
                f"something already listens on {self.host}:{self.port} (another "
                "Home Assistant?); stop it or choose another --port"
            )
            raise DemoError(msg)
        log = (self.folder / "hass.out").open("ab")
        # Faster time: Home Assistant runs under libfaketime, whose clock (wall and
        # monotonic, and every sleep and poll) goes ``speed`` times as fast, so the
        # prices, the house load, the cars and the plan all move on together.
        clock = ["faketime", "-f", f"+0 x{self.speed:g}"] if self.speed != 1 else []
        self.process = await asyncio.create_subprocess_exec(
            *clock,
            sys.executable,
            "-m",
            "homeassistant",
            "--config",
            str(self.config),
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        self.session = aiohttp.ClientSession()

    async def stop(self) -> None:
        """Stop Home Assistant cleanly (SIGTERM, then wait for it)."""
        if hasattr(self, "session"):
            await self.session.close()
        if self.process is None or self.process.returncode is not None:
            return
        # The whole process group: under --speed the child is faketime, which does
        # not pass SIGTERM on to Home Assistant.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 90)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()

    async def run_until(self, stop: asyncio.Event) -> None:
        """Until Ctrl-C, or until Home Assistant ends by itself (an error then)."""
        if self.process is None:
            return
        waiter = asyncio.ensure_future(stop.wait())
        ended = asyncio.ensure_future(self.process.wait())
        await asyncio.wait({waiter, ended}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if not stop.is_set():
            self._alive()

    def _alive(self) -> None:
        if self.process is not None and self.process.returncode is not None:
            output = (self.folder / "hass.out").read_text(errors="replace")[-2000:]
            if "Another Home Assistant instance is already running" in output:
                msg = (
                    f"another Home Assistant already runs on {self.config}; stop it "
                    "(Ctrl-C in its terminal, or kill the 'homeassistant --config' "
                    "process)"
                )
                raise DemoError(msg)
            msg = (
                f"Home Assistant exited with code {self.process.returncode}; "
                f"see {self.folder / 'hass.out'} and "
                f"{self.config / 'home-assistant.log'}"
            )
            raise DemoError(msg)

    async def wait_up(self, timeout: float) -> None:
        """Until the onboarding endpoint answers (it needs no token; 404 when done)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._alive()
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self.session.get(
                    f"{self.url}/api/onboarding", timeout=aiohttp.ClientTimeout(total=5)
                ) as response:
                    # 404 once onboarding is done: the view is gone, the server is up.
                    if response.status in (200, 404):
                        return
            await asyncio.sleep(1)
        msg = f"Home Assistant did not answer on {self.url} within {timeout:.0f} s"
        raise DemoError(msg)

    # --- API helpers -------------------------------------------------------------

    async def api(self, method: str, path: str, body: Any = None) -> Any:
        """One REST call with the token; raises with the answer on an error."""
        async with self.session.request(
            method,
            f"{self.url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=aiohttp.ClientTimeout(total=60),
        ) as response:
            text = await response.text()
            if response.status >= 400:
                msg = f"{method} {path} gave {response.status}: {text[:500]}"
                raise DemoError(msg)
            return json.loads(text) if text else None

    async def ws(self, *messages: dict[str, Any]) -> list[Any]:
        """Send websocket commands in order; the result of each."""
        results = []
        async with (
            asyncio.timeout(60),
            self.session.ws_connect(f"{self.url}/api/websocket") as socket,
        ):
            await socket.receive_json()
            await socket.send_json({"type": "auth", "access_token": self.token})
            if (await socket.receive_json()).get("type") != "auth_ok":
                msg = "the websocket refused the token"
                raise DemoError(msg)
            for number, message in enumerate(messages, start=1):
                await socket.send_json({"id": number, **message})
                while True:
                    answer = await socket.receive_json()
                    if answer.get("id") == number and answer.get("type") == "result":
                        break
                if not answer.get("success"):
                    msg = f"{message['type']} failed: {answer.get('error')}"
                    raise DemoError(msg)
                results.append(answer.get("result"))
        return results

    # --- onboarding and the token ----------------------------------------------

    async def onboard(self) -> None:
        """Create the user, finish onboarding, write a long-lived token."""
        client_id = f"{self.url}/"
        steps: dict[str, bool] = {}
        async with self.session.get(f"{self.url}/api/onboarding") as response:
            if response.status == 200:
                steps = {step["step"]: step["done"] for step in await response.json()}
            else:  # onboarding finished earlier
                steps = dict.fromkeys(
                    ("user", "core_config", "analytics", "integration"), True
                )
        if not steps.get("user"):
            async with self.session.post(
                f"{self.url}/api/onboarding/users",
                json={
                    "client_id": client_id,
                    "name": "Demo",
                    "username": USERNAME,
                    "password": PASSWORD,
                    "language": "en",
                },
            ) as response:
                if response.status != 200:
                    msg = f"onboarding refused the user: {await response.text()}"
                    raise DemoError(msg)
                code = (await response.json())["auth_code"]
        else:
            code = await self._login(client_id)
        async with self.session.post(
            f"{self.url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": client_id,
            },
        ) as response:
            self.token = (await response.json())["access_token"]
        for step, body in (
            ("core_config", {}),
            ("analytics", {}),
            ("integration", {"client_id": client_id, "redirect_uri": client_id}),
        ):
            if not steps.get(step):
                await self.api("POST", f"/api/onboarding/{step}", body)
        http = (await self.ws({"type": "http/config"}))[0]
        if http.get("pending"):
            await self.ws({"type": "http/config/promote"})
        token_file = self.folder / "token"
        if not token_file.exists():
            (token,) = await self.ws(
                {
                    "type": "auth/long_lived_access_token",
                    "client_name": CLIENT_NAME,
                    "lifespan": 3650,
                }
            )
            token_file.write_text(token + "\n")
            token_file.chmod(0o600)
        self.token = token_file.read_text().strip()

    async def _login(self, client_id: str) -> str:
        """An authorization code for the demo user, through the login flow."""
        async with self.session.post(
            f"{self.url}/auth/login_flow",
            json={
                "client_id": client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": client_id,
            },
        ) as response:
            flow = await response.json()
        async with self.session.post(
            f"{self.url}/auth/login_flow/{flow['flow_id']}",
            json={"client_id": client_id, "username": USERNAME, "password": PASSWORD},
        ) as response:
            result = await response.json()
        if result.get("type") != "create_entry":
            msg = (
                f"could not log in as {USERNAME!r}: {result.get('errors')}; use --reset"
            )
            raise DemoError(msg)
        return str(result["result"])

    # --- opti_vgi through its flows --------------------------------------------

    async def wait_entities(self, entity_ids: list[str], timeout: float) -> None:
        """Until the simulated site's entities exist (templates load later)."""
        deadline = time.monotonic() + timeout
        missing = entity_ids
        while time.monotonic() < deadline:
            states = {s["entity_id"]: s for s in await self.api("GET", "/api/states")}
            missing = [
                e
                for e in entity_ids
                # A trigger-based template is "unknown" until its first trigger.
                if states.get(e, {}).get("state") in (None, "unknown", "unavailable")
            ]
            if not missing:
                return
            await asyncio.sleep(1)
        msg = f"the simulated site did not come up: {', '.join(missing)}"
        raise DemoError(msg)

    async def flow(
        self, base: str, start: dict[str, Any], answers: list[Any]
    ) -> dict[str, Any]:
        """Walk one flow: each answer is a menu choice (str) or a form's fields."""
        result = await self.api("POST", base, start)
        for answer in answers:
            step = result.get("step_id")
            if result.get("type") == "menu":
                result = await self.api(
                    "POST", f"{base}/{result['flow_id']}", {"next_step_id": answer}
                )
            elif result.get("type") == "form":
                result = await self.api("POST", f"{base}/{result['flow_id']}", answer)
            else:
                break
            if result.get("errors"):
                msg = f"step {step!r} of {start} refused {answer}: {result['errors']}"
                raise DemoError(msg)
        if result.get("type") != "create_entry":
            msg = f"the flow {start} ended in {result.get('type')}: {result}"
            raise DemoError(msg)
        return result

    async def configure(self) -> str:
        """The site, its chargers and its vehicles, unless they exist; the entry id."""
        entries = await self.api(
            "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
        )
        if entries:
            return str(entries[0]["entry_id"])
        times = scenario_times(datetime.now().astimezone())
        await self.start_scenario(times)
        created = await self.flow(
            "/api/config/config_entries/flow",
            {"handler": DOMAIN, "show_advanced_options": False},
            [
                "price_entity",
                {"price_entity": "sensor.day_ahead_price"},
                SITE_LIMIT,
                SITE_LIMIT_CURRENT,
            ],
        )
        entry_id = str(created["result"]["entry_id"])
        await self._wait_loaded(entry_id)
        sub = "/api/config/config_entries/subentries/flow"
        chargers: dict[str, str] = {}
        for charger in CHARGERS:
            kind = charger["charger"]["control"]
            await self.flow(
                sub,
                {"handler": [entry_id, "charger"]},
                [
                    {
                        "name": charger["name"],
                        "status_entity": charger["status_entity"],
                    },
                    {
                        **charger["charger"],
                        # Rarely changed: a collapsed section of the form.
                        "advanced": {"voltage": 230, "min_write_interval": 10},
                    },
                    charger[kind],
                    {"pause_mode": "zero"},
                    STATUS_STATES,
                ],
            )
            await self._wait_loaded(entry_id)
        for item in (
            await self.api("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
        )[0].get("subentries", []) or []:
            chargers[item["title"]] = item["subentry_id"]
        if not chargers:
            chargers = await self._subentry_ids(entry_id)
        for vehicle in VEHICLES:
            user = dict(vehicle["user"])
            user["charger"] = chargers[user["charger"]]
            user["departure"] = times["departure"]
            user["arrival"] = times[f"{user['name'].split()[0].lower()}_arrival"]
            await self.flow(
                sub, {"handler": [entry_id, "vehicle"]}, [user, vehicle["obc"]]
            )
            await self._wait_loaded(entry_id)
        # The first two cars are home when the demo starts, the Leaf comes later.
        for charger in CHARGERS[:2]:
            await self.api(
                "POST",
                "/api/services/input_boolean/turn_on",
                {"entity_id": charger["plug"]},
            )
        return entry_id

    async def start_scenario(self, times: dict[str, str]) -> None:
        """The simulated site as it is when a visitor first opens the demo.

        The chargers come out of the box at full power, as real ones do: opti_vgi's
        first write changes them, which is what ``--check`` looks for.
        """
        for entity_id, value in (
            ("input_number.sim_ioniq_soc", 32),
            ("input_number.sim_kona_soc", 45),
            ("input_number.sim_leaf_soc", 30),
            ("input_number.sim_garage_limit", 16),
            ("input_number.sim_driveway_limit", 11040),
            ("input_number.sim_carport_limit", 16),
        ):
            await self.api(
                "POST",
                "/api/services/input_number/set_value",
                {"entity_id": entity_id, "value": value},
            )
        for name, value in times.items():
            await self.api(
                "POST",
                "/api/services/input_datetime/set_datetime",
                {"entity_id": f"input_datetime.sim_{name}", "time": value},
            )

    async def _subentry_ids(self, entry_id: str) -> dict[str, str]:
        """Charger subentry ids by title, from the websocket."""
        (subentries,) = await self.ws(
            {"type": "config_entries/subentries/list", "entry_id": entry_id}
        )
        return {
            s["title"]: s["subentry_id"]
            for s in subentries
            if s["subentry_type"] == "charger"
        }

    async def _wait_loaded(self, entry_id: str, timeout: float = 60) -> None:
        """Until the site entry is loaded again (a subentry reloads it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            entries = await self.api(
                "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
            )
            entry = next((e for e in entries if e["entry_id"] == entry_id), None)
            if entry and entry["state"] == "loaded":
                return
            if entry and entry["state"] in ("setup_error", "migration_error"):
                msg = f"opti_vgi did not load: {entry.get('reason')}"
                raise DemoError(msg)
            await asyncio.sleep(0.5)
        msg = "opti_vgi did not load within a minute"
        raise DemoError(msg)

    # --- the dashboard -----------------------------------------------------------

    async def dashboard(self) -> None:
        """A dashboard of core cards, made from the entities opti_vgi created."""
        (dashboards,) = await self.ws({"type": "lovelace/dashboards/list"})
        if not any(d.get("url_path") == "smart-charging" for d in dashboards):
            await self.ws(
                {
                    "type": "lovelace/dashboards/create",
                    "url_path": "smart-charging",
                    "title": "Smart charging",
                    "icon": "mdi:ev-station",
                    "show_in_sidebar": True,
                    "require_admin": False,
                    "mode": "storage",
                }
            )
        (registry,) = await self.ws({"type": "config/entity_registry/list"})
        ours = [e for e in registry if e.get("platform") == DOMAIN]
        config = build_dashboard(ours)
        await self.ws(
            {
                "type": "lovelace/config/save",
                "url_path": "smart-charging",
                "config": config,
            }
        )

    # --- the check -----------------------------------------------------------------

    async def check(self, timeout: float) -> list[str]:
        """Until the site shows a plan and each plugged-in charger its planned limit.

        A charger's limit is read back from the simulated hardware (the number, or the
        helper the OCPP-style script sets) and compared with the current step of
        ``sensor.<charger>_planned_current``: in A, or in W at 230 V x 3 phases.
        """
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while time.monotonic() < deadline:
            self._alive()
            states = {s["entity_id"]: s for s in await self.api("GET", "/api/states")}
            status = states.get(STATUS_ENTITY, {})
            message = status.get("attributes", {}).get("message") or ""
            seen = [f"{STATUS_ENTITY}: {status.get('state')} {message}".rstrip()]
            done = status.get("state") in PLANNED_STATES
            for charger in CHARGERS:
                key = charger["name"].lower()
                plugged = states.get(charger["plug"], {}).get("state") == "on"
                limit = _number(states.get(charger["limit_entity"], {}).get("state"))
                planned = _number(
                    states.get(f"sensor.{key}_planned_current", {}).get("state")
                )
                control = states.get(f"sensor.{key}_control", {}).get("state")
                unit = "W" if charger["limit_entity"].endswith("power_limit") else "A"
                want = (
                    None
                    if planned is None
                    else planned * (230 * 3 if unit == "W" else 1)
                )
                follows = (
                    limit is not None
                    and want is not None
                    and abs(limit - want) <= (50 if unit == "W" else 0.51)
                )
                seen.append(
                    f"{charger['name']}: plugged in {'yes' if plugged else 'no'}, "
                    f"plan {planned} A now, "
                    f"{charger['limit_entity']} = {limit} {unit}, "
                    f"control {control}"
                )
                if plugged and not (follows and control in ("plan", "stop")):
                    done = False
            if done:
                return seen
            await asyncio.sleep(2)
        msg = f"no plan written within {timeout:.0f} s; last seen: " + "; ".join(seen)
        raise DemoError(msg)


def _number(value: object) -> float | None:
    """A state as a number, None when unknown."""
    try:
        return float(str(value))
    except ValueError:
        return None


def scenario_times(now: datetime) -> dict[str, str]:
    """Departure nine hours ahead; the Leaf in half an hour, the others next evening.

    Times of day ("HH:MM:SS"), as both the helpers and the vehicles take them.
    """
    step = timedelta(minutes=15)
    start = now.replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute % 15)
    departure = start + timedelta(hours=9) + step
    moments = {
        "departure": departure,
        "leaf_arrival": start + 2 * step,
        "ioniq_arrival": departure + timedelta(hours=9, minutes=30),
        "kona_arrival": departure + timedelta(hours=10, minutes=30),
    }
    return {name: moment.strftime("%H:%M:00") for name, moment in moments.items()}


def build_dashboard(registry: list[dict[str, Any]]) -> dict[str, Any]:
    """The demo dashboard from opti_vgi's registered entities (core cards only)."""

    def find(key: str) -> list[str]:
        return sorted(
            e["entity_id"] for e in registry if e.get("translation_key") == key
        )

    status = find("status")
    site = [*status, *find("planned_site_power"), *find("plan_cost"), *find("savings")]
    planned_power = find("planned_power")
    currents = find("planned_current")
    header = " | ".join(
        c.removeprefix("sensor.").removesuffix("_planned_current").title()
        for c in currents
    )
    cells = " | ".join(
        f"{{{{ state_attr('{c}', 'schedule')[i].value | round(0) }}}} A"
        for c in currents
    )
    plan_table = (
        (
            f"| Time | Price (EUR/kWh) | {header} |\n|---|---|"
            + "---|" * len(currents)
            + "\n"
            "{% set rows = (state_attr('sensor.day_ahead_price', 'raw_today') or [])"
            " + (state_attr('sensor.day_ahead_price', 'raw_tomorrow') or []) %}"
            f"{{% set first = state_attr('{currents[0]}', 'schedule') or [] %}}"
            "{% for i in range(0, [first | count, 64] | min, 4) %}"
            "{% set at = as_datetime(first[i].start) %}"
            "{% set price = rows | selectattr('start', 'eq', as_local(at).isoformat())"
            " | map(attribute='value') | first | default('') %}"
            "| {{ as_local(at).strftime('%a %H:%M') }} | {{ price }} | "
            f"{cells} |\n"
            "{% endfor %}"
        )
        if currents
        else "No charger yet."
    )
    cards: list[dict[str, Any]] = [
        {
            "type": "entities",
            "title": "Site",
            "entities": [
                *site,
                "sensor.day_ahead_price",
                "sensor.house_load",
                "sensor.grid_power",
                "sensor.grid_current_l1",
                "sensor.grid_current_l2",
                "sensor.grid_current_l3",
            ],
        },
        {
            "type": "markdown",
            "title": "The plan, hour by hour (each charger's current then)",
            "content": plan_table,
        },
        {
            "type": "history-graph",
            "title": "Price",
            "hours_to_show": 24,
            "entities": ["sensor.day_ahead_price"],
        },
        {
            "type": "history-graph",
            "title": "Planned and actual power per charger",
            "hours_to_show": 12,
            "entities": [
                *planned_power,
                "sensor.garage_wallbox_power",
                "sensor.driveway_wallbox_power",
                "sensor.carport_wallbox_power",
                "sensor.house_load",
            ],
        },
        {
            "type": "history-graph",
            "title": "Phase currents (fuse 3 x 32 A)",
            "hours_to_show": 12,
            "entities": [
                "sensor.grid_current_l1",
                "sensor.grid_current_l2",
                "sensor.grid_current_l3",
            ],
        },
        {
            "type": "entities",
            "title": "Chargers",
            "entities": [
                *find("control"),
                *find("mode"),
                *find("planned_current"),
                *find("next_start"),
                *find("charge_now"),
            ],
        },
        {
            "type": "entities",
            "title": "Vehicles",
            "entities": [
                "sensor.ioniq_5_battery",
                *find("expected_soc"),
                *find("expected_energy"),
                *find("energy_needed"),
                *find("charging_complete"),
                *find("target_at_risk"),
                *find("departure"),
                *find("arrival"),
            ],
        },
        {
            "type": "entities",
            "title": "Simulation (what a real site would do by itself)",
            "entities": [
                "input_boolean.sim_garage_plugged",
                "input_boolean.sim_driveway_plugged",
                "input_boolean.sim_carport_plugged",
                "number.garage_wallbox_current_limit",
                "number.driveway_wallbox_power_limit",
                "input_number.sim_carport_limit",
                "input_number.sim_kona_soc",
                "input_number.sim_leaf_soc",
            ],
        },
    ]
    return {
        "title": "Smart charging",
        "views": [{"title": "Plan", "path": "plan", "cards": cards}],
    }


def chromium() -> str:
    """Debian's chromium (``apt install chromium``); Playwright downloads nothing."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    msg = "no chromium found: install it (Debian: apt install chromium)"
    raise SystemExit(msg)


def _local_time_zone() -> str:
    """The machine's time zone name, else UTC (Home Assistant needs a name)."""
    if zone := os.environ.get("TZ"):
        return zone
    with contextlib.suppress(OSError):
        target = str(Path("/etc/localtime").readlink())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    with contextlib.suppress(OSError):
        return Path("/etc/timezone").read_text().strip() or "UTC"
    return "UTC"


async def run(args: argparse.Namespace) -> int:
    """Start, set up, then wait for Ctrl-C (or check and stop)."""
    folder = Path(args.folder).resolve()  # noqa: ASYNC240 - before anything runs
    if args.reset and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if args.speed != 1 and not shutil.which("faketime"):
        print(
            "scripts/demo: --speed needs libfaketime's faketime "
            "(Debian/Ubuntu: apt install faketime)",
            file=sys.stderr,
        )
        return 1
    demo = Demo(args.host, args.port, folder, speed=args.speed)
    new = demo.write_config()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()

    def interrupted() -> None:
        # Ctrl-C at any moment: stop waiting, then stop Home Assistant (finally below).
        stop.set()
        if main_task is not None and not waiting.is_set():
            main_task.cancel()

    waiting = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, interrupted)
    print(
        f"Starting Home Assistant in {demo.config} ({'new' if new else 'reused'})",
        flush=True,
    )
    started = time.monotonic()
    try:
        await demo.start()
        await demo.wait_up(args.timeout)
        print("Home Assistant answers; onboarding ...", flush=True)
        await demo.onboard()
        await demo.wait_entities(
            [
                "sensor.day_ahead_price",
                "sensor.garage_wallbox_status",
                "sensor.grid_current_l3",
            ],
            120,
        )
        print("Setting up opti_vgi through its flows ...", flush=True)
        await demo.configure()
        await demo.dashboard()
        print(
            f"\nHome Assistant is up after {time.monotonic() - started:.0f} s:\n"
            f"  open      {demo.url}/smart-charging/plan\n"
            f"  user      {USERNAME}\n  password  {PASSWORD}\n"
            f"  token     {folder / 'token'}\n"
            f"  logs      {demo.config / 'home-assistant.log'}\n",
            flush=True,
        )
        if args.check:
            for line in await demo.check(args.timeout):
                print(f"  {line}")
            print(
                "demo check passed: the site status shows a plan and every plugged-in "
                "charger received its limit"
            )
            return 0
        print("Ctrl-C stops Home Assistant.", flush=True)
        waiting.set()
        await demo.run_until(stop)
    except DemoError as error:
        print(f"scripts/demo: {error}", file=sys.stderr)
        return 1
    except asyncio.CancelledError:
        print("Interrupted.", flush=True)
        return 130
    else:
        return 0
    finally:
        print("Stopping Home Assistant ...", flush=True)
        await demo.stop()
        print("Stopped.", flush=True)


def main() -> int:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(
        prog="scripts/demo", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default=os.environ.get("DEMO_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("DEMO_PORT", "8123"))
    )
    parser.add_argument(
        "--folder", default=str(REPO / "demo"), help="demo folder (git-ignored)"
    )
    parser.add_argument("--reset", action="store_true", help="start again from nothing")
    parser.add_argument(
        "--check",
        action="store_true",
        help="start, wait for a written plan, stop; exit 0 if seen",
    )
    parser.add_argument(
        "--timeout", type=float, default=240, help="seconds for each wait"
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="simulated time this many times as fast (60: a night in eight minutes; "
        "needs faketime; at a restart the clock starts again from now)",
    )
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
