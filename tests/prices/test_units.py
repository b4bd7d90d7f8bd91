"""Units of measurement to main currency per kWh."""

from __future__ import annotations

import pytest

from custom_components.opti_vgi.prices import PriceError, parse_unit, resolve_unit
from custom_components.opti_vgi.prices.errors import PRICE_UNIT_UNKNOWN

from .price_testing import check_error


@pytest.mark.parametrize(
    ("unit", "factor", "currency", "cents"),
    [
        (None, 1.0, None, False),
        ("", 1.0, None, False),
        ("EUR/kWh", 1.0, "EUR", False),
        ("SEK/MWh", 0.001, "SEK", False),
        ("EUR/Wh", 1000.0, "EUR", False),
        ("DKK/kWh", 1.0, "DKK", False),
        ("öre/kWh", 0.01, None, True),
        ("Öre/kWh", 0.01, None, True),
        ("øre/MWh", 0.00001, None, True),
        ("c/kWh", 0.01, None, True),
        ("ct/kWh", 0.01, None, True),
        ("cent/kWh", 0.01, None, True),
        ("EUR cent/kWh", 0.01, "EUR", True),
        ("c€/kWh", 0.01, "EUR", True),
        ("p/kWh", 0.01, "GBP", True),
        ("¢/kWh", 0.01, None, True),
        ("€/kWh", 1.0, "EUR", False),
        ("£/kWh", 1.0, "GBP", False),
        ("$/kWh", 1.0, None, False),
        ("kr/kWh", 1.0, None, False),
        ("CHF/kWh", 1.0, "CHF", False),
        ("PLN/MWh", 0.001, "PLN", False),
        ("EUR", 1.0, "EUR", False),
        ("öre", 0.01, None, True),
        ("EUR/", 1.0, "EUR", False),
        ("EUR/kwh", 1.0, "EUR", False),
        ("EUR/mWh", 0.001, "EUR", False),
        ("EUR/GWh", 1e-6, "EUR", False),
        ("EUR/TWh", 1e-9, "EUR", False),
        ("EUR/MJ", 3.6, "EUR", False),
        ("EUR/GJ", 0.0036, "EUR", False),
        ("EUR/kJ", 3600.0, "EUR", False),
        ("EUR/J", 3.6e6, "EUR", False),
    ],
)
def test_parse_unit(
    unit: str | None, factor: float, currency: str | None, cents: bool
) -> None:
    parsed = parse_unit(unit)
    assert parsed.factor == pytest.approx(factor)
    assert parsed.currency == currency
    assert parsed.cents is cents


@pytest.mark.parametrize(
    "unit", ["EUR/m³", "EUR/thm", "SEK/kcal", "EUR/100kWh", 5, ["EUR"]]
)
def test_unit_that_is_not_a_price_per_energy(unit: object) -> None:
    with pytest.raises(PriceError) as info:
        parse_unit(unit)
    check_error(info, PRICE_UNIT_UNKNOWN)


def test_currency_prefixes_are_not_read_as_cents() -> None:
    # A prefix match on "c"/"p" would wrongly take these for cents.
    assert parse_unit("CZK/kWh").factor == 1.0
    assert parse_unit("CAD/kWh").factor == 1.0
    assert parse_unit("PLN/kWh").factor == 1.0


def test_source_attributes_win_over_the_unit_of_measurement() -> None:
    # HACS Nord Pool: values in öre although the unit says SEK.
    resolved = resolve_unit("SEK/kWh", energy_unit="kWh", cents=True, currency="SEK")
    assert resolved.factor == pytest.approx(0.01)
    assert resolved.currency == "SEK"
    assert resolve_unit("öre/kWh", cents=False).factor == 1.0
    assert resolve_unit("EUR/kWh", energy_unit="MWh").factor == pytest.approx(0.001)
    assert resolve_unit(None, energy_unit="Wh", cents=True).factor == pytest.approx(
        10.0
    )


def test_unusable_source_attributes_are_ignored() -> None:
    resolved = resolve_unit("EUR/MWh", energy_unit="", cents="yes", currency=" ")
    assert resolved.factor == pytest.approx(0.001)
    assert resolved.cents is False
    assert resolved.currency == "EUR"


def test_unknown_energy_unit_attribute() -> None:
    with pytest.raises(PriceError) as info:
        resolve_unit("EUR/kWh", energy_unit="litre")
    assert check_error(info, PRICE_UNIT_UNKNOWN).placeholders == {"unit": "litre"}
