"""Property: whatever happens, the fuse holds, writes keep their pace, none is late.

Hypothesis drives random sequences of what a real site does (house load on the
meter, the meter failing, plugging in and out, SoC readings, someone setting a
charger's limit in its app, writes that are refused, hang or have no effect,
time passing) through a fresh Home Assistant per example, with the real
coordinator, and a small model of the site's physics behind the entities:
each charger draws what it really holds (not what was written), and the grid
meter shows the house plus those draws.

After every step it checks, against that physics:

- every phase of the 25 A fuse, whenever the meter is available, except where
  what the integration cannot change (the house and the chargers that do not
  obey) is over it by itself;
- the rate limit: an increase is never sent sooner than the charger's minimum
  interval after the previous attempt (decreases for safety are excepted);
- no due increase waits: with no fault left and the interval over, every
  charger holds what the round decided.

The examples are few and derandomized (each is a whole Home Assistant), so CI
stays fast and repeatable; the fault tests cover each fault on its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import itertools
import tempfile
import time
from typing import Any

import freezegun
from freezegun.api import FrozenDateTimeFactory
from homeassistant import loader
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from hypothesis import HealthCheck, example, given, settings, strategies as st
from pytest_homeassistant_custom_component.common import (
    INSTANCES,
    async_fire_time_changed,
    async_test_home_assistant,
)

from custom_components.opti_vgi import writer as writer_module
from custom_components.opti_vgi.const import (
    CONF_GRID_POWER_ENTITY,
    CONF_LIMIT_MODE,
    CONF_PHASE,
    CONF_PHASES,
    CONF_POWER_ENTITY,
    CONF_SITE_LIMIT_A,
    CONF_SITE_PHASES,
    Control,
)
from custom_components.opti_vgi.coordinator import OptiVgiCoordinator

from .site import (
    CARPORT,
    CARPORT_STATUS,
    GARAGE,
    GARAGE_CURRENT,
    GARAGE_STATUS,
    NOW,
    TESLA_SOC,
    TIME_ZONE,
    seed_prices,
    site_entry,
)

GRID = "sensor.grid_power"
GARAGE_POWER = "sensor.garage_power"
CARPORT_POWER = "sensor.carport_power"
FUSE_A = 25.0
VOLTAGE = 230.0
INTERVAL = timedelta(seconds=60)
TOLERANCE_A = 0.05
CHARGERS = (GARAGE, CARPORT)
PHASES_OF = {GARAGE: (1, 2, 3), CARPORT: (2,)}  # the Carport: one phase, on L2
MAX_A = {GARAGE: 16.0, CARPORT: 32.0}


@dataclass
class Physics:
    """The real site behind the entities."""

    house_kw: float = 1.0
    meter_ok: bool = True
    plugged: dict[str, bool] = field(
        default_factory=lambda: dict.fromkeys(CHARGERS, True)
    )
    held_a: dict[str, float] = field(
        default_factory=lambda: {GARAGE: 16.0, CARPORT: 0.0}
    )
    fault: dict[str, str] = field(default_factory=lambda: dict.fromkeys(CHARGERS, "ok"))
    attempts: dict[str, list[tuple[datetime, float, float]]] = field(
        default_factory=lambda: {c: [] for c in CHARGERS}
    )
    violations: list[str] = field(default_factory=list)

    def draw_a(self, charger: str) -> float:
        """What a charger draws: what it holds, while a car is plugged in."""
        return self.held_a[charger] if self.plugged[charger] else 0.0

    def phase_a(self, phase: int, chargers: tuple[str, ...] = CHARGERS) -> float:
        """The current on one phase: the house (spread) and the chargers on it."""
        house = self.house_kw * 1000 / (VOLTAGE * 3)
        return house + sum(self.draw_a(c) for c in chargers if phase in PHASES_OF[c])

    def grid_w(self) -> float:
        """What the grid meter shows."""
        return sum(self.phase_a(p) for p in (1, 2, 3)) * VOLTAGE


steps = st.one_of(
    st.tuples(st.just("house"), st.floats(0, 16, allow_nan=False)),
    st.tuples(st.just("meter"), st.booleans()),
    st.tuples(st.just("plug"), st.sampled_from(CHARGERS), st.booleans()),
    st.tuples(st.just("soc"), st.sampled_from(["unavailable", "20", "50", "95"])),
    st.tuples(st.just("user_limit"), st.sampled_from([6.0, 10.0, 16.0])),
    st.tuples(
        st.just("fault"),
        st.sampled_from(CHARGERS),
        st.sampled_from(["ok", "raise", "hang", "ignore"]),
    ),
    st.tuples(st.just("wait"), st.integers(1, 130)),
)


@asynccontextmanager
async def _site(physics: Physics) -> AsyncIterator[tuple[HomeAssistant, Any]]:
    """A fresh Home Assistant on a frozen clock, with the site set up."""
    with (
        tempfile.TemporaryDirectory() as config_dir,
        freezegun.freeze_time(NOW) as frozen,
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)  # our integration loads
            await hass.config.async_set_time_zone(TIME_ZONE)
            assert await async_setup_component(hass, "number", {})
            _register_chargers(hass, physics)
            today = dt_util.start_of_local_day()
            seed_prices(hass, today)
            hass.states.async_set(GARAGE_STATUS, "on")
            hass.states.async_set(CARPORT_STATUS, "Charging")
            hass.states.async_set(TESLA_SOC, "50", {"unit_of_measurement": "%"})
            _publish(hass, physics)
            entry = site_entry(
                overrides={
                    GARAGE: {CONF_POWER_ENTITY: GARAGE_POWER},
                    CARPORT: {
                        CONF_POWER_ENTITY: CARPORT_POWER,
                        CONF_PHASES: 1,
                        CONF_PHASE: 2,
                        "max_current": 32,
                    },
                },
                **{
                    CONF_LIMIT_MODE: "current",
                    CONF_SITE_LIMIT_A: FUSE_A,
                    CONF_SITE_PHASES: 3,
                    CONF_GRID_POWER_ENTITY: GRID,
                },
            )
            entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(entry.entry_id)
            await _settle(hass, frozen, physics)
            try:
                yield hass, frozen
            finally:
                await hass.config_entries.async_unload(entry.entry_id)
                await _settle(hass, frozen, physics)
                await hass.async_stop(force=True)
                if hass in INSTANCES:
                    INSTANCES.remove(hass)


def _register_chargers(hass: HomeAssistant, physics: Physics) -> None:
    """The chargers' own actions, obeying (or not) as their fault says."""

    async def accept(charger: str, value: float) -> None:
        now = dt_util.utcnow()
        before = physics.held_a[charger]
        physics.attempts[charger].append((now, value, before))
        fault = physics.fault[charger]
        if fault == "raise":
            raise HomeAssistantError("refused")
        if fault == "hang":
            await asyncio.sleep(3600)
        if fault != "ignore":
            physics.held_a[charger] = min(value, MAX_A[charger])
        _publish(hass, physics, context=None)

    async def set_value(call: ServiceCall) -> None:
        if call.data["entity_id"] in (GARAGE_CURRENT, [GARAGE_CURRENT]):
            await accept(GARAGE, float(call.data["value"]))

    async def set_charge_rate(call: ServiceCall) -> None:
        await accept(CARPORT, float(call.data["limit_amps"]))

    hass.services.async_register("number", "set_value", set_value)
    hass.services.async_register("ocpp", "set_charge_rate", set_charge_rate)


def _publish(hass: HomeAssistant, physics: Physics, context: Any = None) -> None:
    """The entities show the physics: the Garage's limit, both powers, the meter."""
    hass.states.async_set(
        GARAGE_CURRENT,
        str(physics.held_a[GARAGE]),
        {"unit_of_measurement": "A", "min": 0, "max": 16},
    )
    hass.states.async_set(
        GARAGE_POWER,
        str(physics.draw_a(GARAGE) * 3 * VOLTAGE),
        {"unit_of_measurement": "W"},
    )
    hass.states.async_set(
        CARPORT_POWER,
        str(physics.draw_a(CARPORT) * VOLTAGE),
        {"unit_of_measurement": "W"},
    )
    if physics.meter_ok:
        hass.states.async_set(
            GRID, str(round(physics.grid_w())), {"unit_of_measurement": "W"}
        )
    else:
        hass.states.async_set(GRID, "unavailable")


async def _settle(
    hass: HomeAssistant, frozen: FrozenDateTimeFactory, physics: Physics
) -> None:
    """Let every round, write and timeout finish, moving the clock a little."""
    for _ in range(400):
        await asyncio.sleep(0)
        pending = [t for t in (*hass._tasks, *hass._background_tasks) if not t.done()]
        if not pending:
            return
        frozen.tick(timedelta(seconds=0.25))
        async_fire_time_changed(hass)
        await hass.async_add_executor_job(time.sleep, 0.002)
    raise AssertionError("the site never settled")


def _check(physics: Physics) -> None:
    """The fuse and the pace, against the physics."""
    if physics.meter_ok:
        stuck = tuple(c for c in CHARGERS if physics.fault[c] != "ok")
        for phase in (1, 2, 3):
            amps = physics.phase_a(phase)
            unavoidable = physics.phase_a(phase, stuck)
            if amps > max(FUSE_A, unavoidable) + TOLERANCE_A:
                physics.violations.append(
                    f"L{phase} at {amps:.2f} A (unavoidable {unavoidable:.2f} A)"
                )
    for charger, attempts in physics.attempts.items():
        for (before_at, _, _), (at, value, held) in itertools.pairwise(attempts):
            if value > held + TOLERANCE_A and at - before_at < INTERVAL - timedelta(
                seconds=1
            ):
                physics.violations.append(
                    f"{charger}: increase to {value} A {at - before_at} after the last"
                )


def _check_nothing_waits(physics: Physics, coordinator: OptiVgiCoordinator) -> None:
    """No fault left and the interval over: each charger holds the decision."""
    if any(f != "ok" for f in physics.fault.values()) or coordinator.data is None:
        return
    for charger, decision in coordinator.decisions.items():
        if (
            decision.control not in (Control.PLAN, Control.STOP)
            or decision.target_a is None
        ):
            continue
        cap = coordinator.guard_caps.get(charger)
        target = min(decision.target_a, cap[0]) if cap else decision.target_a
        if abs(physics.held_a[charger] - target) > TOLERANCE_A:
            physics.violations.append(
                f"{charger} holds {physics.held_a[charger]} A, decided {target} A"
            )


async def _run(sequence: list[tuple[Any, ...]]) -> list[str]:
    """Drive one sequence; return what broke."""
    physics = Physics()
    async with _site(physics) as (hass, frozen):
        entry = hass.config_entries.async_entries("opti_vgi")[0]
        coordinator: OptiVgiCoordinator = entry.runtime_data.coordinator
        for step in sequence:
            kind = step[0]
            frozen.tick(timedelta(seconds=2))
            if kind == "house":
                physics.house_kw = step[1]
            elif kind == "meter":
                physics.meter_ok = step[1]
            elif kind == "plug":
                physics.plugged[step[1]] = step[2]
                if step[1] == GARAGE:
                    hass.states.async_set(GARAGE_STATUS, "on" if step[2] else "off")
                else:
                    hass.states.async_set(
                        CARPORT_STATUS, "Charging" if step[2] else "Available"
                    )
            elif kind == "soc":
                hass.states.async_set(TESLA_SOC, step[1], {"unit_of_measurement": "%"})
            elif kind == "user_limit":
                physics.held_a[GARAGE] = step[1]  # set in the charger's app
            elif kind == "fault":
                physics.fault[step[1]] = step[2]
            elif kind == "wait":
                frozen.tick(timedelta(seconds=step[1]))
                async_fire_time_changed(hass)
            _publish(hass, physics)
            await _settle(hass, frozen, physics)
            # The meter follows what the chargers did in answer.
            _publish(hass, physics)
            await _settle(hass, frozen, physics)
            _check(physics)
        # Faults end; after the interval nothing is left waiting.
        for charger in CHARGERS:
            physics.fault[charger] = "ok"
        for _ in range(3):
            frozen.tick(timedelta(seconds=130))
            async_fire_time_changed(hass)
            _publish(hass, physics)
            await _settle(hass, frozen, physics)
        frozen.tick(timedelta(seconds=2))
        _publish(hass, physics)
        await _settle(hass, frozen, physics)
        _check(physics)
        _check_nothing_waits(physics, coordinator)
    return physics.violations


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(steps, min_size=3, max_size=10))
# Found by this test: a charger unplugged and plugged in again was not written
# (its old setpoint looked unchanged), so a limit set in its app meanwhile was
# never read back; and an app limit above the room, on a charger whose write
# had failed, was respected past the fuse (the guard skipped refusing chargers).
@example(
    sequence=[("plug", GARAGE, False), ("plug", GARAGE, True), ("user_limit", 6.0)]
)
@example(sequence=[("house", 11.0), ("fault", GARAGE, "hang"), ("user_limit", 10.0)])
def test_limits_pace_and_no_waiting_hold(sequence: list[tuple[Any, ...]]) -> None:
    """Random faults and loads: the fuse, the pace and the promptness hold."""
    original = writer_module.WRITE_TIMEOUT
    writer_module.WRITE_TIMEOUT = 5.0  # the hung writes end sooner on the clock
    try:
        violations = asyncio.run(_run(sequence))
    finally:
        writer_module.WRITE_TIMEOUT = original
    assert violations == []
