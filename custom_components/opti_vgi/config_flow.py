"""Config flow for Opti-VGI: one site entry per Home Assistant instance."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import UnitOfPower
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)

from .compat import vol
from .const import CONF_PRICE_ENTITY, CONF_SITE_LIMIT_KW, DEFAULT_SITE_LIMIT_KW, DOMAIN

USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PRICE_ENTITY): EntitySelector(
            EntitySelectorConfig(domain="sensor")
        ),
        vol.Required(CONF_SITE_LIMIT_KW, default=DEFAULT_SITE_LIMIT_KW): NumberSelector(
            NumberSelectorConfig(
                min=1,
                max=1000,
                step=0.1,
                unit_of_measurement=UnitOfPower.KILO_WATT,
                mode=NumberSelectorMode.BOX,
            )
        ),
    }
)


class OptiVgiConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create the site entry after checking that its sources exist."""

    VERSION = 1
    MINOR_VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the price source and the site limit."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if self.hass.states.get(user_input[CONF_PRICE_ENTITY]) is None:
                errors[CONF_PRICE_ENTITY] = "entity_not_found"
            else:
                return self.async_create_entry(
                    title=self.hass.config.location_name, data=user_input
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, user_input),
            errors=errors,
        )
