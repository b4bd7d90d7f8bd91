"""Reservations: a vehicle expected at a charger from a start until an end.

They come from a calendar (an event whose title names a vehicle, optionally a
charger and the energy or target SoC) or from the ``opti_vgi.add_reservation``
action. While the vehicle is away, a reservation is a planned arrival at its
start and a departure at its end, so the plan keeps room for it; when the
vehicle plugs in during it, it becomes the session (its end is the departure,
its energy or SoC the target). A vehicle that has not come within
``RESERVATION_GRACE`` of the start is a no-show: the reservation is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import re
from typing import TYPE_CHECKING, Any

from homeassistant.util import dt as dt_util

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

RESERVATION_GRACE = timedelta(minutes=30)
SOURCE_CALENDAR = "calendar"
SOURCE_ACTION = "action"

_ENERGY = re.compile(r"(\d+(?:[.,]\d+)?)\s*kwh\b", re.IGNORECASE)
_SOC = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*%")


@dataclass(frozen=True, kw_only=True)
class Reservation:
    """One expected stay of one vehicle; times are aware datetimes."""

    id: str
    vehicle_id: str
    start: datetime
    end: datetime
    charger_id: str | None = None  # None: the vehicle's usual charger
    energy_kwh: float | None = None  # energy to add, instead of the usual
    target_soc: float | None = None  # target SoC, instead of the usual
    source: str = SOURCE_ACTION

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe, for the store and the diagnostics."""
        return {
            "id": self.id,
            "vehicle_id": self.vehicle_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "charger_id": self.charger_id,
            "energy_kwh": self.energy_kwh,
            "target_soc": self.target_soc,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reservation | None:
        """A stored reservation, or None when it cannot be read."""
        try:
            start = dt_util.parse_datetime(str(data["start"]))
            end = dt_util.parse_datetime(str(data["end"]))
            if start is None or end is None or start.tzinfo is None or end <= start:
                return None
            energy = data.get("energy_kwh")
            soc = data.get("target_soc")
            return cls(
                id=str(data["id"]),
                vehicle_id=str(data["vehicle_id"]),
                start=start,
                end=end,
                charger_id=data.get("charger_id"),
                energy_kwh=None if energy is None else float(energy),
                target_soc=None if soc is None else float(soc),
                source=str(data.get("source", SOURCE_ACTION)),
            )
        except KeyError, TypeError, ValueError:
            return None


def _names_in(text: str, names: Mapping[str, str]) -> list[str]:
    """Ids whose name appears in ``text`` as whole words, longest name first."""
    found = []
    lowered = text.casefold()
    for name, ident in sorted(names.items(), key=lambda item: -len(item[0])):
        pattern = r"(?<!\w)" + re.escape(name.casefold()) + r"(?!\w)"
        if re.search(pattern, lowered):
            found.append(ident)
            lowered = re.sub(pattern, " ", lowered)
    return found


def from_event(
    event: Mapping[str, Any],
    vehicles: Mapping[str, str],
    chargers: Mapping[str, str],
) -> Reservation | None:
    """A calendar event as a reservation, if its title names exactly one vehicle.

    ``vehicles`` and ``chargers`` map names to subentry ids. The energy ("20
    kWh") or target SoC ("80 %") may be in the title or the description; a
    charger named in the title is where the vehicle is expected. All-day
    events (dates without a time) are not stays and are ignored.
    """
    summary = str(event.get("summary") or "")
    description = str(event.get("description") or "")
    start = _moment(event.get("start"))
    end = _moment(event.get("end"))
    named = _names_in(summary, vehicles)
    if start is None or end is None or end <= start or len(named) != 1:
        return None
    on = _names_in(summary, chargers)
    text = f"{summary} {description}"
    energy = _ENERGY.search(text)
    soc = _SOC.search(text)
    uid = event.get("uid") or f"{named[0]}@{start.isoformat()}"
    return Reservation(
        id=f"calendar:{uid}:{start.isoformat()}",
        vehicle_id=named[0],
        start=start,
        end=end,
        charger_id=on[0] if len(on) == 1 else None,
        energy_kwh=float(energy.group(1).replace(",", ".")) if energy else None,
        target_soc=min(100.0, float(soc.group(1).replace(",", "."))) if soc else None,
        source=SOURCE_CALENDAR,
    )


def _moment(value: object) -> datetime | None:
    """An event time: aware datetimes only (an all-day date is not a stay)."""
    if isinstance(value, datetime):
        moment: datetime | None = value
    elif isinstance(value, str) and "T" in value:
        moment = dt_util.parse_datetime(value)
    else:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt_util.get_default_time_zone())
    return moment


def current(
    reservations: Iterable[Reservation],
    vehicle_id: str,
    now: datetime,
    *,
    plugged_in: bool,
    dropped: frozenset[str] = frozenset(),
) -> Reservation | None:
    """The reservation that shapes this vehicle's plan now, if any.

    Plugged in: the one it is in (started, not ended; up to the grace time
    early counts too). Away: the next one that has not ended, unless it is a
    no-show (past its start by more than the grace time) or was dropped.
    """
    mine = sorted(
        (
            r
            for r in reservations
            if r.vehicle_id == vehicle_id and r.end > now and r.id not in dropped
        ),
        key=lambda r: r.start,
    )
    for reservation in mine:
        if plugged_in:
            if reservation.start - RESERVATION_GRACE <= now:
                return reservation
            continue
        if now <= reservation.start + RESERVATION_GRACE:
            return reservation
    return None


def no_shows(
    reservations: Iterable[Reservation], now: datetime, plugged: Mapping[str, bool]
) -> set[str]:
    """Reservations whose vehicle did not come within the grace time."""
    return {
        r.id
        for r in reservations
        if now > r.start + RESERVATION_GRACE
        and now < r.end
        and not plugged.get(r.vehicle_id, False)
    }
