"""Constants shared by the Opti-VGI integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "opti_vgi"
LOGGER = logging.getLogger(__package__)

CONF_PRICE_ENTITY: Final = "price_entity"
CONF_SITE_LIMIT_KW: Final = "site_limit_kw"

DEFAULT_SITE_LIMIT_KW: Final = 11.0
