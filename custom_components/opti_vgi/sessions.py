"""The energy of each charging session, for vehicles without a SoC sensor.

Without a SoC the only measure of "how much has this car had" is what its
charger delivered since the plug-in, so that count must be right and must
survive a reload or a restart (it is stored with the writer's state):

- a session starts at the plug-in itself (the status entity's last change), not
  at the first round that happens to see it;
- the charger's energy sensor counts when there is one, by its increase since
  the start; when that counter resets, what it had counted is kept;
- else the charger's power (measured, or its setpoint while charging) is
  integrated at every update of it, not once per planning step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


@dataclass(kw_only=True)
class Session:
    """One charger's session so far."""

    start: datetime
    energy_kwh: float = 0.0  # grid energy since the plug-in
    meter_base_kwh: float | None = None  # the energy sensor at the start of this run
    meter_last_kwh: float | None = None  # its last reading
    meter_offset_kwh: float = 0.0  # counted before the sensor last reset
    power_kw: float | None = None  # the power of the running interval
    power_at: datetime | None = None  # when that interval began


class Sessions:
    """Every charger's session, updated from what the chargers report."""

    def __init__(self) -> None:
        """No session until a charger is seen plugged in."""
        self.by_charger: dict[str, Session] = {}

    def update(
        self,
        charger_id: str,
        *,
        plugged_in: bool,
        since: datetime | None,
        now: datetime,
        meter_kwh: float | None,
        power_kw: float | None,
    ) -> None:
        """Take in one reading of a charger: its status, meter and power.

        ``since`` is when the charger was plugged in, as far as its status entity
        knows (None: now). An unplugged charger ends its session.
        """
        if not plugged_in:
            self.by_charger.pop(charger_id, None)
            return
        session = self.by_charger.get(charger_id)
        if session is None:
            start = since if since is not None and since <= now else now
            session = self.by_charger[charger_id] = Session(start=start)
        if meter_kwh is not None:
            if session.meter_base_kwh is None or session.meter_last_kwh is None:
                session.meter_base_kwh = meter_kwh
            elif meter_kwh < session.meter_last_kwh:
                # The counter was reset (a new session on the charger, a
                # reboot): keep what it had counted; it now counts from zero.
                session.meter_offset_kwh += (
                    session.meter_last_kwh - session.meter_base_kwh
                )
                session.meter_base_kwh = 0.0
            session.meter_last_kwh = meter_kwh
            session.energy_kwh = session.meter_offset_kwh + (
                meter_kwh - session.meter_base_kwh
            )
            return
        if session.power_kw is not None and session.power_at is not None:
            hours = max(0.0, (now - session.power_at).total_seconds() / 3600)
            session.energy_kwh += session.power_kw * hours
        session.power_kw = power_kw
        session.power_at = now

    def delivered_kwh(self) -> dict[str, float]:
        """Grid energy of each running session, by charger id."""
        return {cid: session.energy_kwh for cid, session in self.by_charger.items()}

    def started(self) -> dict[str, datetime]:
        """When each running session began (its plug-in), by charger id."""
        return {cid: session.start for cid, session in self.by_charger.items()}

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe, for the Store."""
        return {
            cid: {
                key: value.isoformat() if isinstance(value, datetime) else value
                for key, value in asdict(session).items()
            }
            for cid, session in self.by_charger.items()
        }

    def restore(self, data: dict[str, Any], known: set[str]) -> None:
        """Take back the stored sessions of chargers that still exist.

        A stored session that cannot be read is dropped: the count starts
        again rather than the integration failing to load.
        """
        for cid, stored in data.items():
            if cid not in known or not isinstance(stored, dict):
                continue
            try:
                self.by_charger[cid] = Session(
                    start=datetime.fromisoformat(stored["start"]),
                    energy_kwh=float(stored.get("energy_kwh", 0.0)),
                    meter_base_kwh=_float(stored.get("meter_base_kwh")),
                    meter_last_kwh=_float(stored.get("meter_last_kwh")),
                    meter_offset_kwh=float(stored.get("meter_offset_kwh", 0.0)),
                    power_kw=_float(stored.get("power_kw")),
                    power_at=datetime.fromisoformat(stored["power_at"])
                    if stored.get("power_at")
                    else None,
                )
            except KeyError, TypeError, ValueError:
                continue


def _float(value: object) -> float | None:
    """A stored number, or None (TypeError for anything else)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(value)
    return float(value)
