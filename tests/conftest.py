"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from datetime import datetime
from typing import Any

# Import our package first: Home Assistant's test plugin later puts its own testing
# config directory (with a custom_components package of its own) first on sys.path.
import custom_components.opti_vgi  # noqa: F401  # isort: skip

from freezegun.api import FrozenDateTimeFactory
from homeassistant import config_entries, data_entry_flow
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers.selector import NumberSelector
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service
import voluptuous as vol

from custom_components.opti_vgi.const import DOMAIN
from custom_components.opti_vgi.flow_common import BoundedNumberSelector

from .const import translations
from .site import (
    NOW,
    OCPP,
    SELECT_OPTION,
    SET_VALUE,
    TIME_ZONE,
    TURN_OFF,
    TURN_ON,
    ChargerCalls,
)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load the integration from this repository.

    Only for tests that run Home Assistant: the optimizer and price tests are pure
    Python and must not pay for (or depend on) a hass instance.
    """
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


def _flow_strings(
    hass: HomeAssistant, manager: data_entry_flow.FlowManager[Any, Any], handler: Any
) -> dict[str, Any] | None:
    """Translations section for a flow result, or None when the flow is not ours."""
    strings = translations()
    if isinstance(manager, config_entries.ConfigSubentryFlowManager):
        entry = hass.config_entries.async_get_entry(handler[0])
        if entry is None or entry.domain != DOMAIN:
            return None
        return strings["config_subentries"][handler[1]]
    if isinstance(manager, config_entries.OptionsFlowManager):
        entry = hass.config_entries.async_get_entry(handler)
        if entry is None or entry.domain != DOMAIN:
            return None
        return strings["options"]
    return strings["config"] if handler == DOMAIN else None


def _check_result(strings: Mapping[str, Any], result: Mapping[str, Any]) -> None:
    """Fail unless every string the result shows is translated."""
    kind = result["type"]
    if kind is data_entry_flow.FlowResultType.ABORT:
        assert result["reason"] in strings.get("abort", {}), (
            f"abort reason {result['reason']!r} is not translated"
        )
        return
    if kind not in (
        data_entry_flow.FlowResultType.FORM,
        data_entry_flow.FlowResultType.MENU,
    ):
        return
    step = strings.get("step", {}).get(result["step_id"])
    assert step is not None, f"step {result['step_id']!r} is not translated"
    assert "title" in step or "description" in step
    if kind is data_entry_flow.FlowResultType.MENU:
        for option in result["menu_options"]:
            assert option in step.get("menu_options", {}), f"menu option {option!r}"
        return
    schema = result.get("data_schema")
    if schema is not None:
        _check_schema(step, schema)
    for error in (result.get("errors") or {}).values():
        assert error in strings.get("error", {}), f"error {error!r} is not translated"


def _check_schema(step: Mapping[str, Any], schema: vol.Schema) -> None:
    """Every field (and every field inside a section) has a translated label.

    A bounded number is one the flow checks itself: Home Assistant's own check
    of a NumberSelector's min and max fails the form in English.
    """
    for marker, value in schema.schema.items():
        key = str(marker)
        if isinstance(value, data_entry_flow.section):
            section = step.get("sections", {}).get(key)
            assert section is not None, f"section {key!r} is not translated"
            _check_schema(section, value.schema)
            continue
        assert key in step.get("data", {}), f"field {key!r} is not translated"
        if isinstance(value, NumberSelector) and (
            "min" in value.config or "max" in value.config
        ):
            assert isinstance(value, BoundedNumberSelector), (
                f"number {key!r} is bounded by Home Assistant, untranslated"
            )


@pytest.fixture(autouse=True)
def check_flow_translations(
    monkeypatch: pytest.MonkeyPatch,
) -> Generator[None]:
    """Check every form, menu and abort our flows show against translations/en.json.

    Home Assistant core runs such a check for core integrations; the test plugin
    for custom integrations does not, so a missing string would otherwise only
    show up as a raw key in the UI.
    """
    original_init = data_entry_flow.FlowManager.async_init
    original_configure = data_entry_flow.FlowManager.async_configure

    async def checked_init(
        self: data_entry_flow.FlowManager[Any, Any], handler: Any, **kwargs: Any
    ) -> Any:
        result = await original_init(self, handler, **kwargs)
        if (strings := _flow_strings(self.hass, self, handler)) is not None:
            _check_result(strings, result)
        return result

    async def checked_configure(
        self: data_entry_flow.FlowManager[Any, Any],
        flow_id: str,
        user_input: dict[str, Any] | None = None,
    ) -> Any:
        handler = self._progress[flow_id].handler if flow_id in self._progress else None
        result = await original_configure(self, flow_id, user_input)
        if (
            handler is not None
            and (strings := _flow_strings(self.hass, self, handler)) is not None
        ):
            _check_result(strings, result)
        return result

    monkeypatch.setattr(data_entry_flow.FlowManager, "async_init", checked_init)
    monkeypatch.setattr(
        data_entry_flow.FlowManager, "async_configure", checked_configure
    )
    yield


@pytest.fixture
async def today(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> datetime:
    """Stockholm time, frozen at 17:05 on a Monday; returns that day's midnight."""
    await hass.config.async_set_time_zone(TIME_ZONE)
    freezer.move_to(NOW)
    return dt_util.start_of_local_day()


@pytest.fixture
async def number_calls(hass: HomeAssistant) -> list[ServiceCall]:
    """Captured number.set_value calls.

    The number component is set up first, or loading our number platform would
    register the real action over the mock.
    """
    assert await async_setup_component(hass, "number", {})
    return async_mock_service(hass, "number", "set_value")


@pytest.fixture
def ocpp_calls(hass: HomeAssistant) -> list[ServiceCall]:
    """Captured ocpp.set_charge_rate calls."""
    return async_mock_service(hass, "ocpp", "set_charge_rate")


@pytest.fixture
async def chargers(hass: HomeAssistant) -> ChargerCalls:
    """Every action sent to a charger, in order (our own entities still work)."""
    calls = ChargerCalls(hass)
    await calls.async_capture(SET_VALUE, TURN_ON, TURN_OFF, SELECT_OPTION, OCPP)
    return calls
