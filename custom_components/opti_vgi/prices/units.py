"""Price units: from ``SEK/MWh``, ``öre/kWh`` or ``c/kWh`` to main currency per kWh.

The rules follow HA's energy integration (``energy/sensor.py``): the energy part
is what follows the first ``/``; a unit without one means per kWh. We are
stricter in one way: an energy part that is present but not an energy unit (for
example ``EUR/m³``, a gas price picked by mistake) is an error, as HA's own
energy validation (``energy/validate.py``) reports it, instead of being read
silently as per kWh.

Two deliberate deviations from HA's ``EnergyConverter``:

* ``mWh`` is read as MWh, not milliwatt-hour. Nobody quotes a price per
  milliwatt-hour, and Energi Data Service historically used ``mWh`` to mean
  MWh (its code tests ``price_type in ("MWh", "mWh")``). The match is
  case-insensitive for the same reason.
* Heat and gas units (cal, therm) are refused: an EV is charged with
  electricity, so such a unit means the wrong entity was chosen.

Cents are detected from the currency part by whole tokens, not by prefix:
``c`` as a prefix would also match ``CHF``/``CZK`` and ``p`` would match
``PLN``.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Final

from .errors import PRICE_UNIT_UNKNOWN, PriceError

CENTS_PER_UNIT: Final = 100

ENERGY_UNITS: Final[dict[str, tuple[str, float]]] = {
    # lower-cased unit -> (canonical name, how many of it make one kWh)
    "wh": ("Wh", 1_000.0),
    "kwh": ("kWh", 1.0),
    "mwh": ("MWh", 1e-3),
    "gwh": ("GWh", 1e-6),
    "twh": ("TWh", 1e-9),
    "j": ("J", 3.6e6),
    "kj": ("kJ", 3_600.0),
    "mj": ("MJ", 3.6),
    "gj": ("GJ", 3.6e-3),
}
"""A price per X is multiplied by "X per kWh" to become a price per kWh."""

CENT_TOKENS: Final = frozenset(
    {
        "c",
        "ct",
        "cts",
        "cent",
        "cents",
        "eurocent",
        "eurocents",
        "¢",
        "p",
        "pence",
        "öre",
        "øre",
        "ore",
        "snt",
        "gr",
        "grosz",
        "rp",
        "rappen",
    }
)
"""Currency-part tokens that mean one hundredth of the main unit."""

SYMBOL_CURRENCIES: Final[dict[str, str]] = {"€": "EUR", "£": "GBP"}
"""Symbols that name one currency; ``$`` and ``kr`` are shared, so they do not."""

PENCE_TOKENS: Final = frozenset({"p", "pence"})

_TOKEN = re.compile(r"[^\W\d_]+|[€£$¢]")


@dataclass(frozen=True, kw_only=True)
class PriceUnit:
    """How to turn a source's number into main currency per kWh.

    ``energy_factor`` is how many of ``energy_unit`` make one kWh (1000 for Wh);
    ``cents`` says the number is in hundredths; ``currency`` is the ISO code when
    the unit names one. :attr:`factor` is the resulting multiplier.
    """

    energy_factor: float = 1.0
    cents: bool = False
    currency: str | None = None
    energy_unit: str = "kWh"

    @property
    def factor(self) -> float:
        """Multiplier from the source's number to main currency per kWh."""
        if self.cents:
            return self.energy_factor / CENTS_PER_UNIT
        return self.energy_factor


PER_KWH: Final = PriceUnit()


def _energy(text: str, original: object) -> tuple[str, float]:
    """Canonical energy unit and its per-kWh multiplier; error if unknown."""
    found = ENERGY_UNITS.get(text.strip().lower())
    if found is None:
        raise PriceError(PRICE_UNIT_UNKNOWN, unit=original)
    return found


def _currency_part(text: str) -> tuple[bool, str | None]:
    """Whether the currency part means cents, and the currency it names."""
    cents = False
    currency: str | None = None
    for token in _TOKEN.findall(text):
        lowered = token.lower()
        if lowered in CENT_TOKENS:
            cents = True
            if lowered in PENCE_TOKENS:
                currency = "GBP"
        elif token in SYMBOL_CURRENCIES:
            currency = SYMBOL_CURRENCIES[token]
        elif len(token) == len("EUR") and token.isascii() and token.isupper():
            currency = token
    return cents, currency


def parse_unit(unit: object) -> PriceUnit:
    """Understand a unit of measurement such as ``SEK/MWh`` or ``öre/kWh``.

    ``None`` or an empty string means main currency per kWh (HA's default).
    Raises ``PriceError(price_unit_unknown)`` for a non-string or a unit whose
    energy part is not an energy unit.
    """
    if unit is None:
        return PER_KWH
    if not isinstance(unit, str):
        raise PriceError(PRICE_UNIT_UNKNOWN, unit=unit)
    currency_text, slash, energy_text = unit.partition("/")
    energy_name, per_kwh = "kWh", 1.0
    if slash and energy_text.strip():
        energy_name, per_kwh = _energy(energy_text, unit)
    cents, currency = _currency_part(currency_text)
    return PriceUnit(
        energy_factor=per_kwh, cents=cents, currency=currency, energy_unit=energy_name
    )


def resolve_unit(
    unit: object,
    *,
    energy_unit: object = None,
    cents: object = None,
    currency: object = None,
) -> PriceUnit:
    """Combine the unit of measurement with a source's own unit attributes.

    Sources such as the HACS Nord Pool integration (``unit`` = ``kWh|MWh|Wh``,
    ``price_in_cents``) and Energi Data Service (``unit``, ``use_cent``) state the
    scale of their lists in attributes. Those attributes win over the unit of
    measurement because some Nord Pool versions do not put the cents into the
    unit of measurement (the cents-aware ``unit_of_measurement`` is commented
    out with a FIXME in its sensor.py) while the values are in cents.
    ``energy_unit`` is used when it is a string, ``cents`` when it is a bool,
    ``currency`` when it is a non-empty string; other values are ignored.
    """
    base = parse_unit(unit)
    energy_name, per_kwh = base.energy_unit, base.energy_factor
    if isinstance(energy_unit, str) and energy_unit.strip():
        energy_name, per_kwh = _energy(energy_unit, energy_unit)
    code = currency.strip() if isinstance(currency, str) and currency.strip() else None
    return PriceUnit(
        energy_factor=per_kwh,
        cents=cents if isinstance(cents, bool) else base.cents,
        currency=code or base.currency,
        energy_unit=energy_name,
    )
