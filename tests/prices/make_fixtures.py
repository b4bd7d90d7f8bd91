"""Write the price fixtures (run once; the JSON files are committed).

Usage: ``python -m tests.prices.make_fixtures`` from the repository root.

Each file is shaped as the source publishes it (anchors.md section C, HA 2026.10
``services.py`` for the actions). Values follow simple per-index formulas so a
test can state its expectations by hand (``100 + k`` öre, ``40 + 2.5 h`` EUR/MWh
...) without calling the code under test. Sources that publish Python
datetimes (HACS Nord Pool, Energi Data Service, GE-Spot, Octopus, Frank
Energie) are stored as ISO strings; ``tests/prices/helpers.py`` turns the
documented fields back into datetimes.

Local times are written with their own UTC offset, as ``datetime.isoformat()``
and ``str(datetime)`` print them, so the DST days show the offset change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
import json
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).parent / "fixtures"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
HELSINKI = ZoneInfo("Europe/Helsinki")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BERLIN = ZoneInfo("Europe/Berlin")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
LONDON = ZoneInfo("Europe/London")


def day_slots(day: date, tz: ZoneInfo, minutes: int) -> list[tuple[datetime, datetime]]:
    """Local (start, end) slots of one local day, stepping in UTC across DST."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz).astimezone(UTC)
    stop = datetime.combine(
        day + timedelta(days=1), datetime.min.time(), tzinfo=tz
    ).astimezone(UTC)
    slots = []
    while start < stop:
        end = start + timedelta(minutes=minutes)
        slots.append((start.astimezone(tz), end.astimezone(tz)))
        start = end
    return slots


def iso(moment: datetime) -> str:
    """``datetime.isoformat()``."""
    return moment.isoformat()


def spaced(moment: datetime) -> str:
    """``str(datetime)``: ISO with a space, as ENTSO-e and EasyEnergy publish."""
    return str(moment)


def write(name: str, data: object) -> None:
    """Write one fixture."""
    (HERE / name).write_text(
        json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def nordpool_custom() -> None:
    """HACS Nord Pool: spring DST (92 q), autumn DST cents (100 q), glitch."""
    spring = day_slots(date(2026, 3, 29), STOCKHOLM, 15)
    values = [round(0.5 + 0.01 * k, 2) for k in range(len(spring))]
    raw = [
        {"start": iso(s), "end": iso(e), "value": values[k]}
        for k, (s, e) in enumerate(spring)
    ]
    write(
        "nordpool_custom_se3_spring_dst.json",
        {
            "average": round(sum(values) / len(values), 3),
            "off_peak_1": 0.6,
            "off_peak_2": 1.3,
            "peak": 1.0,
            "min": min(values),
            "max": max(values),
            "mean": round(sum(values) / len(values), 3),
            "unit": "kWh",
            "currency": "SEK",
            "country": "Sweden",
            "region": "SE3",
            "low_price": False,
            "price_percent_to_average": 0.62,
            "today": values,
            "tomorrow": [],
            "tomorrow_valid": False,
            "raw_today": raw,
            "raw_tomorrow": [],
            "current_price": values[40],
            "additional_costs_current_hour": 0.0,
            "price_in_cents": False,
            "unit_of_measurement": "SEK/kWh",
            "device_class": "monetary",
            "icon": "mdi:flash",
            "friendly_name": "nordpool_kwh_se3_sek_3_10_025",
        },
    )
    autumn = day_slots(date(2026, 10, 25), STOCKHOLM, 15)
    after = day_slots(date(2026, 10, 26), STOCKHOLM, 15)
    today = [
        {"start": iso(s), "end": iso(e), "value": 50.0 + k}
        for k, (s, e) in enumerate(autumn)
    ]
    tomorrow = [
        {"start": iso(s), "end": iso(e), "value": 200.0 + k}
        for k, (s, e) in enumerate(after)
    ]
    write(
        "nordpool_custom_se3_autumn_dst_cents.json",
        {
            "unit": "kWh",
            "currency": "SEK",
            "country": "Sweden",
            "region": "SE3",
            "price_in_cents": True,
            "today": [item["value"] for item in today],
            "tomorrow": [item["value"] for item in tomorrow],
            "tomorrow_valid": True,
            "raw_today": today,
            "raw_tomorrow": tomorrow,
            # Some Nord Pool versions leave the cents out of the unit (FIXME in
            # its sensor.py) although the values are in öre.
            "unit_of_measurement": "SEK/kWh",
            "friendly_name": "nordpool_kwh_se3_sek_2_10_025",
        },
    )
    hours = day_slots(date(2026, 1, 15), HELSINKI, 60)
    hourly = [
        {"start": iso(s), "end": iso(e), "value": 40.0 + 2.5 * h}
        for h, (s, e) in enumerate(hours)
    ]
    write(
        "nordpool_custom_fi_hourly_mwh_glitch.json",
        {
            "unit": "MWh",
            "currency": "EUR",
            "country": "Finland",
            "region": "FI",
            "price_in_cents": False,
            "today": [item["value"] for item in hourly],
            "tomorrow": [item["value"] for item in hourly],
            "tomorrow_valid": True,
            "raw_today": hourly,
            # nordpool #235: tomorrow repeats today's entries.
            "raw_tomorrow": [dict(item) for item in hourly],
            "unit_of_measurement": "EUR/MWh",
            "friendly_name": "nordpool_mwh_fi_eur_3_10_0",
        },
    )


def entsoe() -> None:
    """ENTSO-e: hourly kWh today+tomorrow; 15-min MWh autumn DST + yesterday."""
    today = day_slots(date(2026, 1, 15), AMSTERDAM, 60)
    tomorrow = day_slots(date(2026, 1, 16), AMSTERDAM, 60)
    p_today = [
        {"time": spaced(s), "price": round(0.2 + 0.001 * h, 3)}
        for h, (s, _) in enumerate(today)
    ]
    p_tomorrow = [
        {"time": spaced(s), "price": round(0.3 + 0.001 * h, 3)}
        for h, (s, _) in enumerate(tomorrow)
    ]
    write(
        "entsoe_nl_hourly.json",
        {
            "prices_today": p_today,
            "prices_tomorrow": p_tomorrow,
            "prices": p_today + p_tomorrow,
            "unit_of_measurement": "EUR/kWh",
            "icon": "mdi:currency-eur",
            "friendly_name": "Average electricity price today",
        },
    )
    yesterday = day_slots(date(2026, 10, 24), BERLIN, 15)
    autumn = day_slots(date(2026, 10, 25), BERLIN, 15)
    p_yesterday = [
        {"time": spaced(s), "price": 80.0 + 0.5 * k}
        for k, (s, _) in enumerate(yesterday)
    ]
    p_autumn = [
        {"time": spaced(s), "price": 90.0 + 0.25 * k} for k, (s, _) in enumerate(autumn)
    ]
    write(
        "entsoe_de_15min_mwh_autumn.json",
        {
            "prices_today": p_autumn,
            "prices_tomorrow": [],
            "prices": p_yesterday + p_autumn,
            "unit_of_measurement": "EUR/MWh",
            "friendly_name": "Average electricity price today",
        },
    )


def energidataservice() -> None:
    """Energi Data Service: hourly + None tomorrow + forecast; 15-min in øre."""
    today = day_slots(date(2026, 1, 15), COPENHAGEN, 60)
    raw_today = [
        {"hour": iso(s), "price": round(1.0 + 0.05 * h, 2)}
        for h, (s, _) in enumerate(today)
    ]
    forecast_start = datetime(2026, 1, 15, 12, tzinfo=COPENHAGEN).astimezone(UTC)
    forecast = [
        {
            "hour": iso((forecast_start + timedelta(hours=i)).astimezone(COPENHAGEN)),
            "price": round(2.0 + 0.01 * i, 2),
        }
        for i in range(60)
    ]
    write(
        "energidataservice_dk1_hourly_forecast.json",
        {
            "current_price": raw_today[10]["price"],
            "unit": "kWh",
            "currency": "DKK",
            "region": "Denmark West of the great belt",
            "region_code": "DK1",
            "tomorrow_valid": False,
            "next_data_update": "13:21:00",
            "today": [item["price"] for item in raw_today],
            "tomorrow": None,
            "raw_today": raw_today,
            "raw_tomorrow": None,
            "today_min": {"hour": raw_today[0]["hour"], "price": raw_today[0]["price"]},
            "today_max": {
                "hour": raw_today[-1]["hour"],
                "price": raw_today[-1]["price"],
            },
            "today_mean": 1.575,
            "tomorrow_min": None,
            "tomorrow_max": None,
            "tomorrow_mean": None,
            "use_cent": False,
            "forecast": forecast,
            "unit_of_measurement": "DKK/kWh",
            "friendly_name": "Energi Data Service",
        },
    )
    quarters = day_slots(date(2026, 1, 15), COPENHAGEN, 15)
    next_quarters = day_slots(date(2026, 1, 16), COPENHAGEN, 15)
    write(
        "energidataservice_dk2_15min_cent.json",
        {
            "unit": "kWh",
            "currency": "DKK",
            "region_code": "DK2",
            "tomorrow_valid": True,
            "raw_today": [
                {"hour": iso(s), "price": 100.0 + k}
                for k, (s, _) in enumerate(quarters)
            ],
            "raw_tomorrow": [
                {"hour": iso(s), "price": 300.0 + k}
                for k, (s, _) in enumerate(next_quarters)
            ],
            "use_cent": True,
            "unit_of_measurement": "øre/kWh",
            "friendly_name": "Energi Data Service",
        },
    )


def gespot() -> None:
    """GE-Spot: 15-minute today and tomorrow, in cents."""
    today = day_slots(date(2026, 1, 15), BERLIN, 15)
    tomorrow = day_slots(date(2026, 1, 16), BERLIN, 15)
    write(
        "gespot_de_15min_cents.json",
        {
            "today_interval_prices": [
                {"time": iso(s), "value": round(20 + 0.1 * k, 4), "raw_value": 0.1}
                for k, (s, _) in enumerate(today)
            ],
            "tomorrow_interval_prices": [
                {"time": iso(s), "value": round(30 + 0.1 * k, 4), "raw_value": 0.1}
                for k, (s, _) in enumerate(tomorrow)
            ],
            "unit_of_measurement": "ct/kWh",
            "friendly_name": "GE-Spot DE-LU current price",
        },
    )


def octopus() -> None:
    """Octopus: 48 half-hours; the UK spring DST day with 46."""
    for name, day, base in (
        ("octopus_current_day_rates.json", date(2026, 1, 15), 0.15),
        ("octopus_next_day_rates_spring_dst.json", date(2026, 3, 29), 0.10),
    ):
        slots = day_slots(day, LONDON, 30)
        write(
            name,
            {
                "rates": [
                    {
                        "start": iso(s),
                        "end": iso(e),
                        "value_inc_vat": round(base + 0.005 * k, 3),
                        "is_capped": False,
                    }
                    for k, (s, e) in enumerate(slots)
                ],
                "tariff_code": "E-1R-AGILE-24-10-01-C",
                "mpan": "1000000000000",
                "serial_number": "22L0000000",
                "event_types": ["octopus_energy_electricity_current_day_rates"],
                "event_type": "octopus_energy_electricity_current_day_rates",
                "friendly_name": "Current Day Rates",
            },
        )


def amber_entries(first_end: datetime, feed_in: bool) -> list[dict[str, object]]:
    """Twelve 5-minute then six 30-minute Amber intervals (start at hh:mm:01)."""
    entries: list[dict[str, object]] = []
    end = first_end
    for k in range(18):
        duration = 5 if k < 12 else 30
        end = (
            first_end + timedelta(minutes=5 * k)
            if k < 12
            else end + timedelta(minutes=30)
        )
        start = end - timedelta(minutes=duration) + timedelta(seconds=1)
        price = round(0.2 + 0.01 * k, 2)
        entry: dict[str, object] = {
            "duration": duration,
            "date": "2026-01-15",
            "nem_date": end.astimezone(ZoneInfo("Etc/GMT-10")).isoformat(),
            # HA divides Amber's cents by 100 and flips the feed-in sign.
            "per_kwh": price,
            "spot_per_kwh": 0.08,
            "start_time": start.isoformat(),
            "end_time": end.isoformat(),
            "renewables": 41,
            "spike_status": "none",
            "descriptor": "neutral",
        }
        if feed_in:
            entry["advanced_price_low"] = round(price - 0.02, 2)
            entry["advanced_price_predicted"] = price
            entry["advanced_price_high"] = round(price + 0.05, 2)
        else:
            entry["range_min"] = round(price - 0.01, 2)
            entry["range_max"] = round(price + 0.01, 2)
        entries.append(entry)
    return entries


def amber() -> None:
    """Amber: sensor attribute (general) and get_forecasts answer (feed-in)."""
    first_end = datetime(2026, 1, 15, 1, 5, tzinfo=UTC)
    write(
        "amber_general_forecast.json",
        {
            "forecasts": amber_entries(first_end, feed_in=False),
            "channel_type": "general",
            "unit_of_measurement": "$/kWh",
            "attribution": "Data provided by Amber Electric",
            "friendly_name": "Home General Forecast",
        },
    )
    write(
        "amber_get_forecasts_feed_in.json",
        {"forecasts": amber_entries(first_end, feed_in=True)},
    )


def zonneplan() -> None:
    """Zonneplan: older flat entries and newer chart entries, 10^-7 EUR/kWh."""
    hours = day_slots(date(2026, 1, 15), AMSTERDAM, 60)
    hours += day_slots(date(2026, 1, 16), AMSTERDAM, 60)
    write(
        "zonneplan_forecast_legacy.json",
        {
            "forecast": [
                {
                    "datetime": s.astimezone(UTC).isoformat(),
                    "electricity_price": 2_000_000 + 10_000 * h,
                    "electricity_price_excl_tax": 1_600_000 + 8_000 * h,
                    "sustainability_score": 734,
                    "tariff_group": "normal",
                }
                for h, (s, _) in enumerate(hours)
            ],
            "unit_of_measurement": "€/kWh",
            "friendly_name": "Zonneplan Current electricity tariff",
        },
    )
    write(
        "zonneplan_forecast_chart.json",
        {
            "forecast": [
                {
                    "start_date": s.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "end_date": e.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "price_tax_included": {"amount": 2_500_000 + 5_000 * h},
                    "price_tax_excluded": {"amount": 2_000_000 + 4_000 * h},
                    "sustainability_score": {"permille": 612},
                    "tariff_group": "low" if h < 6 else "normal",
                }
                for h, (s, e) in enumerate(hours[:24])
            ],
            "unit_of_measurement": "€/kWh",
            "friendly_name": "Zonneplan Current electricity tariff",
        },
    )


def frank_energie() -> None:
    """Frank Energie: ``prices`` with from/till/price, hourly, two days."""
    hours = day_slots(date(2026, 1, 15), AMSTERDAM, 60)
    hours += day_slots(date(2026, 1, 16), AMSTERDAM, 60)
    write(
        "frank_energie_prices.json",
        {
            "prices": [
                {
                    "from": s.astimezone(UTC).isoformat(),
                    "till": e.astimezone(UTC).isoformat(),
                    "price": round(0.25 + 0.002 * h, 3),
                }
                for h, (s, e) in enumerate(hours)
            ],
            "unit_of_measurement": "€/kWh",
            "friendly_name": "Current electricity price (All-in)",
        },
    )


def generic() -> None:
    """Template formats: ESC today/tomorrow, a single list, timestamp mappings."""
    today = day_slots(date(2026, 1, 15), STOCKHOLM, 60)
    write(
        "generic_esc_prices_today.json",
        {
            "prices_today": [
                {"time": spaced(s), "price": 120.0 + h}
                for h, (s, _) in enumerate(today)
            ],
            "prices_tomorrow": None,
            "unit_of_measurement": "öre/kWh",
            "friendly_name": "Electricity price",
        },
    )
    quarters = day_slots(date(2026, 1, 15), BERLIN, 15)[:8]
    write(
        "generic_data_list_15min.json",
        {
            "data": [
                {"start": iso(s), "end": iso(e), "value": 25.0 + k}
                for k, (s, e) in enumerate(quarters)
            ],
            "unit_of_measurement": "c/kWh",
            "friendly_name": "Price template",
        },
    )
    hours = day_slots(date(2026, 1, 15), BERLIN, 60)[:4]
    write(
        "generic_timestamp_mapping.json",
        {
            **{iso(s): 0.3 + 0.1 * h for h, (s, _) in enumerate(hours)},
            "unit_of_measurement": "EUR/kWh",
            "friendly_name": "EMHASS-style prices",
        },
    )
    write(
        "generic_prices_mapping.json",
        {
            "prices": {iso(s): 300.0 + 10 * h for h, (s, _) in enumerate(hours)},
            "unit_of_measurement": "EUR/MWh",
            "friendly_name": "Price mapping",
        },
    )


def actions() -> None:
    """Answers of the core actions, as their services.py serialise them."""
    quarters = day_slots(date(2026, 1, 15), STOCKHOLM, 15)
    write(
        "nordpool_get_prices_for_date_se3.json",
        {
            "SE3": [
                {
                    "start": s.astimezone(UTC).isoformat(),
                    "end": e.astimezone(UTC).isoformat(),
                    "price": round(250.73 + 1.5 * k, 2),
                }
                for k, (s, e) in enumerate(quarters)
            ]
        },
    )
    write("nordpool_get_prices_for_date_empty.json", {"SE3": []})
    first = quarters[:4]
    write(
        "nordpool_get_prices_for_date_two_areas.json",
        {
            area: [
                {
                    "start": s.astimezone(UTC).isoformat(),
                    "end": e.astimezone(UTC).isoformat(),
                    "price": base + k,
                }
                for k, (s, e) in enumerate(first)
            ]
            for area, base in (("SE3", 100.0), ("SE4", 500.0))
        },
    )
    oslo = ZoneInfo("Europe/Oslo")
    tibber_slots = day_slots(date(2026, 1, 15), oslo, 15)
    write(
        "tibber_get_prices.json",
        {
            "prices": {
                "Hjemme": [
                    {
                        "start_time": s.isoformat(timespec="milliseconds"),
                        "price": round(1.0 + 0.01 * k, 4),
                    }
                    for k, (s, _) in enumerate(tibber_slots)
                ]
            }
        },
    )
    hours = day_slots(date(2026, 1, 15), AMSTERDAM, 60)
    write(
        "energyzero_get_energy_prices.json",
        {
            "prices": [
                {
                    "price": round(0.1 + 0.01 * h, 2),
                    "timestamp": spaced(s.astimezone(UTC)),
                    "start": spaced(s.astimezone(UTC)),
                    "end": spaced(e.astimezone(UTC)),
                }
                for h, (s, e) in enumerate(hours)
            ]
        },
    )
    write(
        "energyzero_get_energy_prices_timestamp_only.json",
        {
            "prices": [
                {
                    "timestamp": spaced(s.astimezone(UTC)),
                    "price": round(0.1 + 0.01 * h, 2),
                }
                for h, (s, _) in enumerate(hours)
            ]
        },
    )
    write(
        "easyenergy_get_energy_usage_prices.json",
        {
            "prices": [
                {
                    "timestamp": spaced(s.astimezone(UTC)),
                    "price": round(0.2 + 0.005 * h, 3),
                }
                for h, (s, _) in enumerate(hours)
            ]
        },
    )


def main() -> None:
    """Write every fixture."""
    nordpool_custom()
    entsoe()
    energidataservice()
    gespot()
    octopus()
    amber()
    zonneplan()
    frank_energie()
    generic()
    actions()


if __name__ == "__main__":
    main()
