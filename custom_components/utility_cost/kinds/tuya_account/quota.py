"""The API call quota of a Tuya account, kept in Home Assistant.

:class:`TuyaQuota` wraps the domain :class:`~.domain.quota.QuotaBudget` of one Tuya
account: it persists it (our calls this period survive restarts), feeds it readings
from the portal (about every 6 hours, never retried sooner) or from the user's
action, starts the next period on time, and raises the repair issues a user can act
on: a used-up quota (with the reset date), a lost quota state, a portal cookie that
no longer works, a system clock that jumped. The bucket's time is the steady clock's
(a step of the wall clock is followed, not counted as time passing).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
import hashlib
import time
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_time_interval,
)
from homeassistant.util import dt as dt_util

from ...api.quota_portal import PortalError, QuotaPortalClient
from ...const import (
    CONF_MESSAGE_CAP,
    CONF_MONTHLY_CAP,
    CONF_PORTAL_COOKIE,
    CONF_PORTAL_REMAINING_POINTER,
    CONF_PORTAL_URL,
    CONF_PORTAL_USED_POINTER,
    CONF_RESET_DAY,
    CONF_RESET_HOUR,
    CONF_UNKNOWN_SHARE,
    DEFAULT_UNKNOWN_SHARE,
    DOMAIN,
    LOGGER,
)
from ...domain.quota import (
    DEFAULT_MESSAGE_CAP,
    RECOMPUTE_EVERY,
    CloudAnswer,
    QuotaBudget,
    QuotaSettings,
    QuotaSource,
    SteadyClock,
)
from ...storage import ThrottledStore

PORTAL_EVERY: Final = timedelta(hours=6)


def quota_store_key(entry_id: str) -> str:
    """Return the storage key of a Tuya account's quota state."""
    return f"{DOMAIN}.tuya_quota.{entry_id}"


def quota_issue_id(kind: str, entry_id: str) -> str:
    """Return the id of one of a Tuya account's quota issues."""
    return f"tuya_{kind}_{entry_id}"


class TuyaQuota:
    """The quota budget of one Tuya account, its persistence and its sources."""

    # The steady clock the wall clock is checked against.
    steady: Callable[[], float] = staticmethod(time.monotonic)

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        title: str,
        options: dict[str, Any],
        on_change: Callable[[], None],
    ) -> None:
        """Configure from the account's options; ``on_change`` reports news."""
        self.hass = hass
        self.entry_id = entry_id
        self.title = title
        self.settings = QuotaSettings(
            monthly_cap=int(options[CONF_MONTHLY_CAP]),
            reset_day=int(options.get(CONF_RESET_DAY, 1)),
            message_cap=int(options.get(CONF_MESSAGE_CAP, DEFAULT_MESSAGE_CAP)),
            reset_hour=int(options.get(CONF_RESET_HOUR, 0)),
            unknown_share=float(options.get(CONF_UNKNOWN_SHARE, DEFAULT_UNKNOWN_SHARE))
            / 100,
        )
        self.budget = QuotaBudget.new(self.settings, dt_util.utcnow())
        self.store = ThrottledStore(hass, quota_store_key(entry_id), self._to_store)
        self.portal: QuotaPortalClient | None = None
        # Which portal set-up the last attempt used: a new URL or cookie is read at
        # once, the same one no sooner than PORTAL_EVERY after the last attempt.
        self._portal_key = hashlib.sha256(
            f"{options.get(CONF_PORTAL_URL)}\n{options.get(CONF_PORTAL_COOKIE)}".encode()
        ).hexdigest()[:16]
        if url := options.get(CONF_PORTAL_URL):
            self.portal = QuotaPortalClient(
                async_get_clientsession(hass),
                url,
                options.get(CONF_PORTAL_COOKIE, ""),
                options.get(CONF_PORTAL_REMAINING_POINTER) or None,
                options.get(CONF_PORTAL_USED_POINTER) or None,
            )
        self.portal_at: datetime | None = None
        self.portal_ok: bool | None = None
        self._on_change = on_change
        self._refresh: Callable[[], Any] = lambda: None
        self._unsubs: list[CALLBACK_TYPE] = []
        self._clock: SteadyClock | None = None
        self._read_portal: Callable[[], None] = lambda: None

    async def async_load(
        self, *, ran_before: bool, last_rate: float | None = None
    ) -> None:
        """Continue the stored budget; without one, start conservatively.

        A state that is missing although the account ran before, or that cannot be
        read, is said in a repair issue: the period so far is taken as spent at
        ``last_rate`` (calls/s, the pace the account last kept; None: the
        no-information plan's), and until a reading arrives polling follows the
        conservative no-information policy. A clock before what the state has seen
        is said in another.
        """
        now = dt_util.utcnow()
        self._clock = SteadyClock(now, self.steady())
        stored = await self.store.async_load()
        state = stored.get("budget") if isinstance(stored, dict) else stored
        self.budget, problem = QuotaBudget.restore(
            state,
            self.settings,
            now,
            ran_before=ran_before or stored is not None,
            last_rate=last_rate,
        )
        if problem is not None:
            if stored is not None:
                LOGGER.warning(
                    "%s: the quota state cannot be read (%s)", self.title, problem
                )
            self._issue("quota_state_lost")
        elif isinstance(stored, dict):
            portal_at = stored.get("portal_at")
            if portal_at and stored.get("portal_key") == self._portal_key:
                self.portal_at = datetime.fromisoformat(portal_at)
        if (behind := self.budget.clock_behind) is not None:
            self._clock_issue(-behind)

    def check_clock(self, now: datetime) -> bool:
        """Follow a step of the wall clock; return True if it stepped.

        The bucket counts steady time; a step is said in a repair issue (a wrong
        clock misdates every reading and every hour of energy).
        """
        if self._clock is None:
            self._clock = SteadyClock(now, self.steady())
            return False
        step = self._clock.step(now, self.steady())
        if not step:
            return False
        LOGGER.warning(
            "%s: the system clock jumped by %s; the quota's pacing ignores the jump",
            self.title,
            step,
        )
        self.budget.clock_stepped(now, step)
        self._clock_issue(step)
        self._changed()
        return True

    def _clock_issue(self, step: timedelta) -> None:
        minutes = round(step.total_seconds() / 60)
        self._issue(
            "clock_jumped",
            step=f"{'+' if minutes > 0 else '-'}{abs(minutes)}",
            now=dt_util.as_local(dt_util.utcnow()).strftime("%Y-%m-%d %H:%M"),
        )

    @callback
    def async_start(self, refresh: Callable[[], Any]) -> None:
        """Start the portal reads and the period rollover; ``refresh`` polls now."""
        self._refresh = refresh
        if (portal := self.portal) is not None:

            @callback
            def read_portal(_now: datetime | None = None) -> None:
                self.hass.async_create_background_task(
                    self.async_read_portal(portal),
                    f"{DOMAIN} quota portal {self.entry_id}",
                )

            self._read_portal = read_portal
            self._unsubs.append(
                async_track_time_interval(self.hass, read_portal, PORTAL_EVERY)
            )
            if (
                self.portal_at is None
                or dt_util.utcnow() - self.portal_at >= PORTAL_EVERY
            ):
                read_portal()
        self._schedule_rollover()

    @callback
    def _schedule_rollover(self) -> None:
        self._unsubs.append(
            async_track_point_in_utc_time(
                self.hass, self._rolled_over, self.budget.period_end
            )
        )

    @callback
    def _rolled_over(self, now: datetime) -> None:
        """Start the new period: polling resumes, the portal is read at once."""
        self.budget.recompute(dt_util.utcnow())
        ir.async_delete_issue(
            self.hass, DOMAIN, quota_issue_id("quota_exhausted", self.entry_id)
        )
        ir.async_delete_issue(
            self.hass, DOMAIN, quota_issue_id("quota_state_lost", self.entry_id)
        )
        self._changed()
        self._refresh()
        self._read_portal()
        self._schedule_rollover()

    async def async_read_portal(self, portal: QuotaPortalClient) -> None:
        """Read the quota from the portal (once; the next try is 6 hours later)."""
        self.portal_at = dt_util.utcnow()
        try:
            reading = await portal.read()
        except PortalError as err:
            LOGGER.warning("%s: the quota portal failed: %s", self.title, err)
            self.portal_ok = False
            self._issue("portal_failed", fixable=True)
            self._changed()
            return
        self.portal_ok = True
        ir.async_delete_issue(
            self.hass, DOMAIN, quota_issue_id("portal_failed", self.entry_id)
        )
        self.add_reading(QuotaSource.PORTAL, reading.remaining, reading.used)

    def add_reading(
        self, source: QuotaSource, remaining: int | None, used: int | None
    ) -> None:
        """Take a reading; polling resumes if it says calls remain.

        A reading that counts more than this period can have seen (a portal still
        showing the last period's count after the reset) is left out.
        """
        was_stopped = self.budget.exhausted
        if not self.budget.add_reading(dt_util.utcnow(), source, remaining, used):
            LOGGER.info(
                "%s: the quota reading (%s used, %s remaining) is the last"
                " period's; it is left out",
                self.title,
                used,
                remaining,
            )
            self._changed()
            return
        ir.async_delete_issue(
            self.hass, DOMAIN, quota_issue_id("quota_state_lost", self.entry_id)
        )
        if was_stopped and not self.budget.exhausted:
            ir.async_delete_issue(
                self.hass, DOMAIN, quota_issue_id("quota_exhausted", self.entry_id)
            )
        # A reading may lift a stop or raise the rate: plan the next refresh anew.
        self._refresh()
        self._changed()

    def record_call(self, *, paced: bool = True, command: bool = False) -> None:
        """Count one call of ours (``paced``: a polling call, from the bucket)."""
        self.budget.record_calls(dt_util.utcnow(), paced=paced, command=command)
        self.store.schedule_save()

    def record_messages(self, messages: int = 1) -> None:
        """Count messages the message service pushed."""
        self.budget.record_messages(dt_util.utcnow(), messages)
        self.store.schedule_save()

    def answer(self, answer: CloudAnswer) -> None:
        """Take what the cloud refused a call of ours with (a refresh or a command).

        A used-up quota stops until the reset, said in a repair issue with the
        reset's date.
        """
        self.budget.record_answer(dt_util.utcnow(), answer)
        if answer is CloudAnswer.QUOTA_EXHAUSTED:
            self._issue(
                "quota_exhausted",
                reset=dt_util.as_local(self.budget.period_end).strftime(
                    "%Y-%m-%d %H:%M"
                ),
            )
        self._changed()

    def recompute_if_due(self, now: datetime) -> None:
        """Recompute every 6 hours."""
        if self.budget.due(now):
            self.budget.recompute(now)
            self._changed()

    def _issue(self, kind: str, *, fixable: bool = False, **placeholders: str) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            quota_issue_id(kind, self.entry_id),
            is_fixable=fixable,
            severity=ir.IssueSeverity.WARNING,
            translation_key=f"tuya_{kind}",
            translation_placeholders={"name": self.title, **placeholders},
            data={"entry_id": self.entry_id, "kind": kind},
        )

    def _changed(self) -> None:
        self.store.schedule_save()
        self._on_change()

    def _to_store(self) -> dict[str, Any]:
        return {
            "budget": self.budget.as_dict(),
            "portal_at": self.portal_at.isoformat() if self.portal_at else None,
            "portal_key": self._portal_key,
        }

    def diagnostics(self, now: datetime) -> dict[str, Any]:
        """Return the whole quota state."""
        return {
            **self.budget.as_dict(),
            "status": self.budget.status(now).value,
            "tokens": self.budget.tokens,
            "throttle": self.budget.throttle,
            "portal": None
            if self.portal is None
            else {
                "configured": True,
                "last_attempt": self.portal_at.isoformat() if self.portal_at else None,
                "working": self.portal_ok,
            },
            "recompute_every_s": RECOMPUTE_EVERY.total_seconds(),
        }

    async def async_shutdown(self) -> None:
        """Stop the timers and write the state."""
        while self._unsubs:
            self._unsubs.pop()()
        await self.store.async_save()
