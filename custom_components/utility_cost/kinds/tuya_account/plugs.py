"""Each plug of a Tuya account: found, judged plausible, fed its readings.

Where a plug's energy comes from (its own reports, or its power), the plausibility
evidence of its product, and the import of its statistics.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ...api.tuya import (
    TuyaAuthenticationError,
    TuyaDevice,
    TuyaError,
    TuyaRateLimitedError,
)
from ...const import DOMAIN, LOGGER
from ...domain.meter import Meter
from ...domain.plausibility import (
    OUTLET_LIMIT_W,
    Finding,
    Judgement,
    ProductEvidence,
    judge,
)
from ...domain.plug_energy import ACTIVE_W, MeasuredSource
from ...domain.plugs import (
    ENERGY,
    EXPORTED,
    POWER,
    CounterKind,
    EnergyPoint,
    energy_point,
    is_metering,
    is_plug,
    mains_codes,
    measures_energy,
    plug_scales,
    read_plug,
    switch_codes,
)
from ...domain.units import SourceKind
from ...metering.runtime import MeterRuntime
from ...statistics import async_import_hours, meter_statistics
from .energy import PlugEnergy, restore_counters
from .models import (
    POLL_HOLD_MAX,
    POLL_HOLD_MIN,
    PUSH_OUTAGE,
    PUSH_SILENCE,
    STATISTICS_IMPORT_EVERY,
    TUYA_ISSUES,
    PushState,
    TuyaAccount,
    TuyaPlug,
    _shown,
    cloud_answer,
    misreporting_issue_id,
)
from .repairs import async_create_tuya_issue
from .state import TuyaAccountState

if TYPE_CHECKING:
    pass


class TuyaPlugs(TuyaAccountState):
    """Each plug of the account: found, judged, fed its readings, its statistics."""

    def _push_silent(self, now: datetime) -> bool:
        """Return True if the service has said nothing for ``PUSH_SILENCE``."""
        heard = self._last_message_at or self._push_connected_at
        return heard is not None and now - heard >= PUSH_SILENCE

    def _push_usable(self) -> bool:
        """Return True while pushed reports can be counted on (a short outage too).

        A connection that stays silent longer than the plugs' heartbeat is not: a
        service that stopped pushing (its quota used up) keeps its connections open.
        """
        now = dt_util.utcnow()
        if self.push_state is PushState.CONNECTED:
            return not self._push_silent(now)
        lost = self._push_lost_at
        return (
            self.push_state is PushState.DISCONNECTED
            and lost is not None
            and now - lost < PUSH_OUTAGE
        )

    def _choose_source(self, plug: TuyaPlug) -> None:
        """Pick the route of a plug's energy, and hand its meter over to it.

        Pushed reports where the message service works; else statistics where the
        product keeps them; else device logs where the project has them; else the
        polled power. When the route changes, the meter's settled part ends now:
        a plug metered by its power keeps that energy as final, and measurement
        starts from there.
        """
        energy, runtime = plug.energy, plug.runtime
        if energy is None or runtime is None:
            return
        caps = self.capabilities
        if self._push_usable():
            source = MeasuredSource.PUSH
        elif caps.statistics.get(plug.device.product_id, (False,))[0]:
            source = MeasuredSource.STATISTICS
        elif caps.logs is not None and caps.logs[0]:
            source = MeasuredSource.LOGS
        else:
            source = MeasuredSource.POWER
        meter = runtime.meter
        if source is not energy.source:
            LOGGER.info(
                "%s: energy from %s (was %s)", plug.device.name, source, energy.source
            )
            now = dt_util.utcnow()
            if source is MeasuredSource.POWER:
                meter.settle_estimate(now)
                energy.counted_until(now)
            elif energy.source is MeasuredSource.POWER:
                # What the power counted as final stays so; measurement from now.
                runtime.settle([], now)
                energy.counted_until(now)
            elif energy.source is MeasuredSource.STATISTICS:
                # Reports up to what statistics settled are counted: skip them.
                energy.after_statistics(meter.ledger.settled_to)
            energy.source = source
            self.store.schedule_save()
        if source is not MeasuredSource.POWER and energy.next_reconcile is None:
            energy.next_reconcile = energy.started_at + timedelta(hours=1)
        # A plug measured by its power alone books that power as final.
        meter.measured = source is not MeasuredSource.POWER

    def _evidence(self, product: str) -> ProductEvidence:
        return self.evidence.setdefault(product, ProductEvidence())

    def _limit(self, plug: TuyaPlug) -> float:
        """Return the most a plug can pass: its outlets' rating, or its range."""
        outlets = max(1, len(mains_codes(plug.device.status)))
        limit = outlets * OUTLET_LIMIT_W
        spec = self.specs.get(plug.device.product_id, {}).get(POWER)
        if spec is not None and spec.maximum is not None:
            scale = plug.scales[POWER].scale
            limit = max(limit, min(50_000.0, spec.maximum / 10**scale))
        return limit

    def _account(
        self,
        devices: list[TuyaDevice],
        now: datetime,
        *,
        fresh: bool,
        readings: bool = True,
    ) -> TuyaAccount:
        """Update the plugs from a device list; ``fresh`` ones give readings.

        A fresh list is the truth about the account: plugs no longer monitored or
        no longer in it lose their devices here, and meters of plugs that left the
        account are forgotten (those merely not monitored are kept).
        """
        previous = self.data.plugs
        found = {d.id: d for d in devices if is_plug(d.category, d.status)}
        plugs: dict[str, TuyaPlug] = {}
        for device in found.values():
            if device.id in self.ignored:
                continue
            plug = previous.get(device.id) or self._new_plug(device, now)
            self._update_plug(plug, device, now, fresh=fresh and readings)
            if fresh and not readings and not device.online and plug.runtime:
                plug.runtime.reading(now, None)
            plugs[device.id] = plug
        if fresh:
            for gone in [d for d in self._stored_meters if d not in found]:
                del self._stored_meters[gone]
                self._stored_energy.pop(gone, None)
            self._remove_stale_devices(plugs)
        return TuyaAccount(plugs, found)

    def _remove_stale_devices(self, plugs: Mapping[str, TuyaPlug]) -> None:
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        kept = {*plugs, entry_id}  # the plugs, and the account's own device
        for device in dr.async_entries_for_config_entry(registry, entry_id):
            if not any(
                domain == DOMAIN and identifier in kept
                for domain, identifier in device.identifiers
            ):
                registry.async_update_device(device.id, remove_config_entry_id=entry_id)

    def _new_plug(self, device: TuyaDevice, now: datetime) -> TuyaPlug:
        evidence = self._evidence(device.product_id)
        scales = plug_scales(
            device.product_id, self.specs.get(device.product_id), evidence.corrections
        )
        fixed = self.fixed.get(device.id)
        runtime = None
        energy = None
        if fixed is not None or is_metering(device.status):
            stored = self._stored_meters.pop(device.id, None)
            tz = self.tz
            measured = fixed is None and measures_energy(device.status)
            meter = (
                Meter.from_dict(
                    stored, SourceKind.POWER, tz, self.rules, measured=measured
                )
                if stored is not None
                else Meter(SourceKind.POWER, tz, self.rules, measured=measured)
            )
            meter.ledger.roll(now)
            runtime = MeterRuntime(
                self.hass,
                meter,
                self.tariff,
                label=device.name,
                currency=self.currency,
                event_data=partial(self._event_data, device.id),
            )
            if runtime.announce_restored():
                self.store.schedule_save(0)
            if measured:
                stored_energy = self._stored_energy.pop(device.id, None)
                energy = (
                    PlugEnergy.from_dict(device.id, stored_energy)
                    if stored_energy
                    else PlugEnergy(device.id, now)
                )
        plug = TuyaPlug(
            device,
            scales,
            fixed,
            runtime,
            read_plug(device.status, scales, fixed),
            energy=energy,
        )
        self._configure_energy(plug)
        self._choose_source(plug)
        return plug

    def _configure_energy(self, plug: TuyaPlug) -> None:
        """Say how the plug's counters read, from its product and the evidence."""
        energy = plug.energy
        if energy is None:
            return
        device = plug.device
        specs = self.specs.get(device.product_id, {})
        evidence = self._evidence(device.product_id)
        kind = CounterKind.TOTAL if evidence.total_counter else None

        def point(code: str) -> EnergyPoint | None:
            if code not in device.status:
                return None
            return energy_point(
                code, plug.scales, specs.get(code), sub=device.sub, kind=kind
            )

        energy.counters(point(ENERGY), point(EXPORTED))
        restore_counters(energy)

    def _update_plug(
        self, plug: TuyaPlug, device: TuyaDevice, now: datetime, *, fresh: bool
    ) -> None:
        if plug.energy is not None and any(
            device.status.get(code) != plug.device.status.get(code)
            for code in switch_codes(device.status)
        ):
            plug.energy.active = True  # switched since the last poll
        evidence = self._evidence(device.product_id)
        # The specification or a correction may have arrived since the last reading.
        plug.scales = plug_scales(
            device.product_id, self.specs.get(device.product_id), evidence.corrections
        )
        plug.device = device
        plug.reading = read_plug(device.status, plug.scales, plug.fixed)
        if plug.fixed is None:
            plug.judged = self._judge(plug)
        if fresh and plug.runtime is not None:
            self._feed(plug, now, self._poll_hold())

    def _poll_hold(self) -> timedelta:
        return min(POLL_HOLD_MAX, max(POLL_HOLD_MIN, self.planned_interval * 1.5))

    def _judge(self, plug: TuyaPlug) -> Judgement:
        reading = plug.reading
        raw = plug.device.status.get(POWER)
        if reading.mains_on:
            plug.off_raw = None
            moved = None
        elif plug.off_raw is None:
            plug.off_raw = raw
            moved = False
        else:
            moved = raw != plug.off_raw
        judged = judge(
            reading,
            self._evidence(plug.device.product_id),
            limit_w=self._limit(plug),
            moved_since_off=moved,
        )
        self._findings(plug, [finding for finding, _, _ in judged.findings], judged)
        return judged

    def _feed(
        self, plug: TuyaPlug, at: datetime, hold: timedelta, *, pushed: bool = False
    ) -> None:
        """Give the plug's meter its reading (nothing while it is offline).

        A power pushed by the plug is held until its next report (left Riemann). A
        polled power of a plug whose measurements will come is only an estimate of
        the time between two polls: the lower of the two powers, so that a kettle
        seen at one poll is not billed for the whole interval (the measurement
        will say what it used). A plug metered by its power alone holds it until
        the next poll, at most ``hold``.
        """
        runtime = plug.runtime
        if runtime is None:
            return
        if not plug.device.online:
            runtime.reading(at, None)
            plug.last_poll = None
            return
        if plug.fixed is not None:
            runtime.reading(at, plug.reading.power_w, None, valid_for=hold)
            return
        judged = plug.judged
        power = None if judged is None else judged.power_w
        if plug.reading.producing:
            power = 0.0  # what it exports is not consumption
        # A metering plug's session is its switch.
        running = plug.reading.mains_on
        if plug.energy is not None and (power or 0.0) > ACTIVE_W:
            plug.energy.active = True
        measured = plug.energy is not None and plug.energy.source in (
            MeasuredSource.STATISTICS,
            MeasuredSource.LOGS,
        )
        if pushed or not measured:
            runtime.reading(at, power, running, valid_for=hold)
            return
        previous = plug.last_poll
        if previous is not None and previous[1] is not None and power is not None:
            # Booked before the reading, so that a session it ends includes it.
            start = max(previous[0], at - hold)
            runtime.estimate(start, at, min(previous[1], power))
        runtime.reading(at, None, running)
        plug.last_poll = (at, power)

    def _findings(
        self,
        plug: TuyaPlug,
        findings: list[Finding],
        judged: Judgement | None = None,
    ) -> None:
        device = plug.device
        product = device.product_id
        for finding in findings:
            key = f"{finding}:{product}"
            if finding is Finding.CORRECTED:
                LOGGER.warning(
                    "%s (%s, product %s) reports values in other units than its cloud"
                    " specification says; reading them corrected from now on: %s",
                    device.name,
                    device.product_name,
                    product,
                    self._evidence(product).corrections,
                )
                self.store.schedule_save()
                plug.scales = plug_scales(
                    product,
                    self.specs.get(product),
                    self._evidence(product).corrections,
                )
                self._configure_energy(plug)
            elif finding is Finding.TOTAL_COUNTER:
                LOGGER.warning(
                    "%s (product %s) reports a running total of its energy;"
                    " read so from now on",
                    device.name,
                    product,
                )
                self._configure_energy(plug)
            elif finding is Finding.NOT_GATED and key not in self._warned:
                self._warned.add(key)
                LOGGER.info(
                    "%s meters while its outlets are off (a clamp meter): its power"
                    " is believed whatever its switches say",
                    device.name,
                )
            elif finding is Finding.MISREPORTING:
                LOGGER.warning(
                    "%s (%s, product %s) reports power its own voltage and current"
                    " contradict; its power is not counted",
                    device.name,
                    device.product_name,
                    product,
                )
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    misreporting_issue_id(self.config_entry.entry_id, product),
                    is_fixable=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key="tuya_misreporting",
                    translation_placeholders={
                        "name": device.name,
                        "product": device.product_name or product,
                        "product_id": product,
                        "power": _shown(plug.reading.power_w, "W"),
                        "voltage": _shown(
                            judged.voltage_v if judged else plug.reading.voltage_v, "V"
                        ),
                        "current": _shown(plug.reading.current_a, "A"),
                    },
                )

    def _pause(self, now: datetime) -> None:
        """Stop accruing: without a fresh reading nothing is extrapolated."""
        for plug in self.data.plugs.values():
            if plug.runtime is not None:
                plug.runtime.reading(now, None)

    def _update_error(self, err: TuyaError) -> Exception:
        """Tell the quota what the cloud said; return the error to raise."""
        if isinstance(err, TuyaAuthenticationError):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            )
        if (answer := cloud_answer(err)) is not None:
            self.quota.answer(answer)  # a used-up quota's issue says when it resets
        if isinstance(err, TuyaRateLimitedError):
            return UpdateFailed(
                translation_domain=DOMAIN, translation_key="rate_limited"
            )
        for error, kind in TUYA_ISSUES.items():
            if isinstance(err, error):
                if kind != "quota_exhausted":
                    async_create_tuya_issue(self.hass, self.config_entry, kind)
                return UpdateFailed(translation_domain=DOMAIN, translation_key=kind)
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(err)},
        )

    def _maybe_import_statistics(self, now: datetime) -> None:
        """Write measured hours to the recorder, at most every 10 minutes."""
        if "recorder" not in self.hass.config.components:
            return
        if self._import_task is not None and not self._import_task.done():
            return
        if (
            self._last_import is not None
            and now - self._last_import < STATISTICS_IMPORT_EVERY
        ):
            return
        self._last_import = now
        self._import_task = self.config_entry.async_create_background_task(
            self.hass, self._async_import_statistics(now), f"{DOMAIN} tuya statistics"
        )

    async def _async_import_statistics(self, now: datetime) -> None:
        for plug in list(self.data.plugs.values()):
            runtime = plug.runtime
            if runtime is None or runtime.meter.hourly is None:
                continue
            settled = runtime.meter.ledger.settled_to
            if settled is None:
                continue
            hours = runtime.meter.hourly.due(settled)
            if not hours:
                continue
            stats = meter_statistics(
                f"tuya_{plug.device.id}", plug.device.name, self.currency
            )
            await async_import_hours(self.hass, stats, hours)
            runtime.meter.hourly.written(hours, now)
            self.store.schedule_save()
