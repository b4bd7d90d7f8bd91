"""A seeded site for the runtime tests: two chargers, two vehicles, prices.

- Charger "Garage" (3-phase, 6-16 A) is set through a number entity in A; its
  status is a binary sensor. Its regular vehicle "Tesla" reports its SoC.
- Charger "Carport" (3-phase, 6-32 A) is an OCPP charger set through
  ``ocpp.set_charge_rate``; its status is OCPP's connector status. Its regular
  vehicle "Leaf" has no SoC sensor: the user sets the energy to add.
- The vehicles are 3-phase; tests of 1-phase cars change them (``overrides``).
- Prices (Europe/Stockholm) are high in the evening and cheap from 01:00 to 05:00.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from functools import partial
from inspect import isawaitable
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, Service, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.opti_vgi.config_flow import OptiVgiConfigFlow
from custom_components.opti_vgi.const import (
    CONF_ACTION,
    CONF_ACTION_DATA,
    CONF_ACTION_UNIT,
    CONF_ACTION_VALUE_FIELD,
    CONF_ARRIVAL,
    CONF_CAPACITY_KWH,
    CONF_CHARGER,
    CONF_CONTROL,
    CONF_CURRENT_ENTITY,
    CONF_DEPARTURE,
    CONF_EFFICIENCY,
    CONF_LIMIT_MODE,
    CONF_MAX_CURRENT,
    CONF_MAX_POWER_KW,
    CONF_MIN_CURRENT,
    CONF_MIN_SOC,
    CONF_MIN_WRITE_INTERVAL,
    CONF_PAUSE_MODE,
    CONF_PHASES,
    CONF_PLAN_AHEAD,
    CONF_PRESET,
    CONF_PRICE_ENTITY,
    CONF_SITE_LIMIT_KW,
    CONF_SOC_ENTITY,
    CONF_STATUS_ENTITY,
    CONF_TARGET_SOC,
    CONF_VOLTAGE,
    DOMAIN,
    SUBENTRY_CHARGER,
    SUBENTRY_VEHICLE,
)
from custom_components.opti_vgi.coordinator import OptiVgiCoordinator, PlanData

TIME_ZONE = "Europe/Stockholm"
NOW = "2026-11-23T16:05:00+00:00"  # 17:05 in Stockholm
ENTRY_ID = "01SITE"
GARAGE = "01GARAGE"
CARPORT = "01CARPORT"
TESLA = "01TESLA"
LEAF = "01LEAF"

PRICE = "sensor.electricity_price"
GARAGE_STATUS = "binary_sensor.garage_plugged_in"
GARAGE_CURRENT = "number.garage_charging_current"
CARPORT_STATUS = "sensor.carport_status_connector"
TESLA_SOC = "sensor.tesla_battery"


# Domains whose actions both the chargers' entities and our own entities use.
SHARED_DOMAINS = ("number", "switch", "select")


class ChargerCalls:
    """Actions sent to the chargers, in order, captured instead of executed.

    Chargers are driven through ``number``, ``switch`` and ``select`` actions, the
    same actions a user calls on Opti-VGI's own entities. Calls that target only
    our entities go to the real action; every other call is recorded (and made to
    fail for the actions in ``failing``).
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Nothing captured yet."""
        self.hass = hass
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failing: set[str] = set()
        # False: number entities keep their value, as a charger that ignores us.
        self.follow = True

    async def async_capture(self, *actions: str) -> None:
        """Capture ``actions`` ("domain.service").

        The shared components are set up first: setting them up later (as our
        platforms would) registers their real actions over the capture.
        """
        for action in actions:
            domain, service = action.split(".", 1)
            if domain in SHARED_DOMAINS:
                assert await async_setup_component(self.hass, domain, {})
            original = self.hass.services.async_services_for_domain(domain).get(service)
            self.hass.services.async_register(
                domain, service, partial(self._async_handle, action, original)
            )

    def of(self, action: str) -> list[dict[str, Any]]:
        """The data of the captured calls of one action."""
        return [data for name, data in self.calls if name == action]

    def _ours(self, entity_ids: object) -> bool:
        """Whether the call targets Opti-VGI's own entities only."""
        ids = [entity_ids] if isinstance(entity_ids, str) else entity_ids
        if not isinstance(ids, list) or not ids:
            return False
        registry = er.async_get(self.hass)
        return all(
            (entry := registry.async_get(str(entity_id))) is not None
            and entry.platform == DOMAIN
            for entity_id in ids
        )

    async def _async_handle(
        self, action: str, original: Service | None, call: ServiceCall
    ) -> None:
        """Pass calls to our entities through; record (or refuse) the rest."""
        if original is not None and self._ours(call.data.get(ATTR_ENTITY_ID)):
            data = dict(call.data)
            if original.schema is not None:
                data = original.schema(data)
            result = original.job.target(
                ServiceCall(self.hass, call.domain, call.service, data, call.context)
            )
            if isawaitable(result):
                await result
            return
        self.calls.append((action, dict(call.data)))
        if action in self.failing:
            raise HomeAssistantError(f"{action} refused")
        if action == "number.set_value" and self.follow:
            # Like a real charger's number entity: it shows what it accepted.
            for entity_id in _entity_ids(call.data.get(ATTR_ENTITY_ID)):
                state = self.hass.states.get(entity_id)
                if state is not None:
                    self.hass.states.async_set(
                        entity_id,
                        str(call.data["value"]),
                        state.attributes,
                        context=call.context,
                    )


def _entity_ids(value: object) -> list[str]:
    """The entity ids of an action's target, as a list."""
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def hourly_prices(day: datetime) -> list[dict[str, Any]]:
    """24 hourly prices for the local day starting at ``day``: cheap 01-05."""
    prices = []
    for hour in range(24):
        price = 0.05 if 1 <= hour < 5 else 0.40 if 17 <= hour < 21 else 0.20
        prices.append(
            {"time": (day + timedelta(hours=hour)).isoformat(), "price": price}
        )
    return prices


def seed_prices(hass: HomeAssistant, today: datetime, *, tomorrow: bool = True) -> None:
    """The price sensor in the generic format (prices_today/prices_tomorrow)."""
    hass.states.async_set(
        PRICE,
        "0.40",
        {
            "unit_of_measurement": "EUR/kWh",
            "prices_today": hourly_prices(today),
            "prices_tomorrow": hourly_prices(today + timedelta(days=1))
            if tomorrow
            else None,
        },
    )


def seed_states(
    hass: HomeAssistant,
    today: datetime,
    *,
    carport: str = "Preparing",
    garage: str = "on",
    soc: str = "30",
) -> None:
    """Every source entity of the site, as a running Home Assistant has them."""
    seed_prices(hass, today)
    hass.states.async_set(GARAGE_STATUS, garage)
    hass.states.async_set(
        GARAGE_CURRENT, "16", {"unit_of_measurement": "A", "min": 0, "max": 16}
    )
    hass.states.async_set(CARPORT_STATUS, carport)
    hass.states.async_set(TESLA_SOC, soc, {"unit_of_measurement": "%"})


def site_entry(
    *,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    without: Collection[str] = (),
    **data: Any,
) -> MockConfigEntry:
    """The site entry with its two chargers and two vehicles.

    ``data`` adds to (or replaces) the site's own data; ``overrides`` maps a
    subentry id to data merged into that subentry's; ``without`` leaves the
    subentries with these ids out.
    """
    changes = overrides or {}
    subentries = tuple(
        ConfigSubentryData(
            subentry_id=sub["subentry_id"],
            subentry_type=sub["subentry_type"],
            title=sub["title"],
            unique_id=sub["unique_id"],
            data={**sub["data"], **changes.get(sub["subentry_id"], {})},
        )
        for sub in _SUBENTRIES
        if sub["subentry_id"] not in without
    )
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=ENTRY_ID,
        title="Home",
        # The current version: nothing to migrate (a charger's phase is its wiring).
        version=OptiVgiConfigFlow.VERSION,
        minor_version=OptiVgiConfigFlow.MINOR_VERSION,
        data={
            CONF_PRICE_ENTITY: PRICE,
            CONF_LIMIT_MODE: "power",
            CONF_SITE_LIMIT_KW: 17.0,
            **data,
        },
        subentries_data=subentries,
    )


_SUBENTRIES: tuple[ConfigSubentryData, ...] = (
    ConfigSubentryData(
        subentry_id=GARAGE,
        subentry_type=SUBENTRY_CHARGER,
        title="Garage",
        unique_id=GARAGE_STATUS,
        data={
            CONF_CONTROL: "number",
            CONF_CURRENT_ENTITY: GARAGE_CURRENT,
            CONF_STATUS_ENTITY: GARAGE_STATUS,
            CONF_PAUSE_MODE: "zero",
            CONF_PHASES: 3,
            CONF_VOLTAGE: 230,
            CONF_MIN_CURRENT: 6,
            CONF_MAX_CURRENT: 16,
            CONF_MIN_WRITE_INTERVAL: 60,
        },
    ),
    ConfigSubentryData(
        subentry_id=CARPORT,
        subentry_type=SUBENTRY_CHARGER,
        title="Carport",
        unique_id=CARPORT_STATUS,
        data={
            CONF_CONTROL: "action",
            CONF_PRESET: "ocpp",
            CONF_ACTION: "ocpp.set_charge_rate",
            CONF_ACTION_VALUE_FIELD: "limit_amps",
            CONF_ACTION_UNIT: "A",
            CONF_ACTION_DATA: {"devid": "carport"},
            CONF_STATUS_ENTITY: CARPORT_STATUS,
            CONF_PAUSE_MODE: "zero",
            CONF_PHASES: 3,
            CONF_VOLTAGE: 230,
            CONF_MIN_CURRENT: 6,
            CONF_MAX_CURRENT: 32,
            CONF_MIN_WRITE_INTERVAL: 60,
        },
    ),
    ConfigSubentryData(
        subentry_id=TESLA,
        subentry_type=SUBENTRY_VEHICLE,
        title="Tesla",
        unique_id=TESLA_SOC,
        data={
            CONF_SOC_ENTITY: TESLA_SOC,
            CONF_CAPACITY_KWH: 60,
            CONF_TARGET_SOC: 80,
            CONF_MIN_SOC: 40,
            CONF_EFFICIENCY: 0.9,
            CONF_MAX_POWER_KW: 11,
            CONF_DEPARTURE: "07:00:00",
            CONF_ARRIVAL: "18:00:00",
            CONF_PLAN_AHEAD: True,
            CONF_CHARGER: GARAGE,
        },
    ),
    ConfigSubentryData(
        subentry_id=LEAF,
        subentry_type=SUBENTRY_VEHICLE,
        title="Leaf",
        unique_id=None,
        data={
            CONF_EFFICIENCY: 0.9,
            CONF_MAX_POWER_KW: 7.4,
            # Its on-board charger as stored: three phases, capped by the 7.4 kW
            # (10.7 A per phase). The Tesla has none stored: it is derived from
            # its 11 kW (3 x 16 A), as for a vehicle set up before they existed.
            CONF_PHASES: 3,
            CONF_DEPARTURE: "08:00:00",
            CONF_ARRIVAL: "17:00:00",
            CONF_PLAN_AHEAD: False,
            CONF_CHARGER: CARPORT,
        },
    ),
)


SET_VALUE = "number.set_value"
TURN_ON = "switch.turn_on"
TURN_OFF = "switch.turn_off"
SELECT_OPTION = "select.select_option"
OCPP = "ocpp.set_charge_rate"


async def setup_site(hass: HomeAssistant, entry: MockConfigEntry) -> OptiVgiCoordinator:
    """Set up the site and let its first round run (and its writes go out)."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator: OptiVgiCoordinator = entry.runtime_data.coordinator
    return coordinator


def plan_of(coordinator: OptiVgiCoordinator) -> PlanData:
    """The latest plan (there must be one)."""
    data = coordinator.plan_data
    assert data is not None
    return data


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Let time pass (timers and debouncer cooldowns fire as they fall due)."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def act(hass: HomeAssistant, action: str, **data: Any) -> None:
    """Call one of our actions, or one on our entities, as a user would."""
    domain, service = action.split(".", 1)
    await hass.services.async_call(domain, service, data, blocking=True)
    await hass.async_block_till_done()


async def recalculate(hass: HomeAssistant) -> None:
    """The user asks for a new plan now."""
    await act(hass, f"{DOMAIN}.recalculate", config_entry_id=ENTRY_ID)


def open_issue(
    hass: HomeAssistant, kind: str, detail: str = ""
) -> ir.IssueEntry | None:
    """One of our repair issues for the site, if it is open."""
    issue_id = f"{ENTRY_ID}_{kind}" + (f"_{detail}" if detail else "")
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
