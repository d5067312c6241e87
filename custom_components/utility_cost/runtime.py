"""What every kind of entry is made of at run time.

* :class:`UtilityCostCoordinator` is the base of each entry's coordinator (one per
  config entry, in ``entry.runtime_data``). What the shared code needs from an
  entry of any kind (its diagnostics, the appliances it meters) it asks this base,
  so that no shared code asks which kind it is looking at.
* :class:`Kind` describes one kind of entry: how it is set up, which platforms it
  has, how it is removed, its options and reconfigure steps. ``kinds/__init__.py``
  holds the registry, one :class:`Kind` per :class:`~.const.EntryType`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, cast

from homeassistant.config_entries import ConfigEntry, ConfigEntryState, OptionsFlow
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .const import CONF_ENTRY_TYPE, DOMAIN, EntryType

if TYPE_CHECKING:
    from .metering.runtime import MeterRuntime

type UtilityCostConfigEntry = ConfigEntry[UtilityCostCoordinator[Any]]


class UtilityCostCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """A coordinator of one of this integration's config entries.

    ``device`` and ``scope`` are where its entities go by default: the entry's own
    device when None, or a device of the entry (an Octopus meter) and the name of
    that device in their unique ids. ``source_device``, when set, is another
    integration's device that its entities are attached to instead (a tracked
    sensor's source's).
    """

    config_entry: UtilityCostConfigEntry
    device: DeviceInfo | None = None
    scope: str | None = None
    source_device: dr.DeviceEntry | None = None
    # A meter of the whole house (an HTTP meter's stations): the household adds
    # it up only when asked to, since it already holds the appliances.
    whole_house: bool = False

    @classmethod
    def of(cls, entry: UtilityCostConfigEntry) -> Self:
        """Return the coordinator of an entry of this coordinator's kind.

        The registry of kinds sets up each entry with its own kind's coordinator,
        so code of one kind reads its entries' coordinators through this.
        """
        return cast(Self, entry.runtime_data)

    def appliance_meters(self) -> Iterable[MeterRuntime]:
        """Return the meters of the appliances of this entry (none by default)."""
        return ()

    def private_identifiers(self) -> set[str]:
        """Return identifiers the entry learnt (not in its data) that diagnostics hide."""
        return set()


type PlatformSetup = Callable[
    [HomeAssistant, UtilityCostConfigEntry, AddConfigEntryEntitiesCallback],
    Awaitable[None],
]


async def _nothing_to_remove(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove nothing: the kind stores nothing of its own."""


@callback
def _start_nothing(hass: HomeAssistant, entry: UtilityCostConfigEntry) -> None:
    """Start nothing: the kind's coordinator needs no listeners."""


@callback
def _keep_devices(entry: UtilityCostConfigEntry, device: dr.DeviceEntry) -> bool:
    """Refuse: the kind's devices go with its entry."""
    return False


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One kind of config entry: what the shared shell calls for it.

    ``async_create`` builds the entry's coordinator (loaded from storage and first
    refreshed); once its ``platforms`` are set up, ``async_start`` starts what
    follows time or other entities. ``async_remove`` deletes what the entry
    stored, after the user deleted the entry. ``reconfigure_step`` is the config
    flow step that changes what the entry connects to; a kind without one has
    ``reconfigure_abort``, the reason it cannot be reconfigured.
    """

    entry_type: EntryType
    async_create: Callable[
        [HomeAssistant, UtilityCostConfigEntry],
        Awaitable[UtilityCostCoordinator[Any]],
    ]
    platforms: Mapping[Platform, PlatformSetup]
    async_start: Callable[[HomeAssistant, UtilityCostConfigEntry], None] = (
        _start_nothing
    )
    async_remove: Callable[[HomeAssistant, ConfigEntry], Awaitable[None]] = (
        _nothing_to_remove
    )
    options_flow: Callable[[], OptionsFlow] | None = None
    reconfigure_step: str | None = None
    reconfigure_abort: str | None = None
    reauth_step: str | None = None
    remove_device: Callable[[UtilityCostConfigEntry, dr.DeviceEntry], bool] = (
        _keep_devices
    )
    # The sections the kind adds to an entry's diagnostics (secrets are scrubbed
    # by diagnostics.py from all of them).
    diagnostics: Callable[[HomeAssistant, UtilityCostConfigEntry], dict[str, Any]]
    register_services: Callable[[HomeAssistant], None] | None = None
    # The config flow's steps of this kind (a mixin of UtilityCostConfigFlow).
    flow_steps: type | None = None


def loaded_coordinator(
    hass: HomeAssistant, entry_id: str, entry_type: EntryType, wrong_key: str
) -> UtilityCostCoordinator[Any]:
    """Return the coordinator of a loaded entry of ``entry_type``, or refuse.

    For actions that name an entry: ``wrong_key`` is the translation key of the
    error when the id is not one of ``entry_type``'s entries.
    """
    entry: UtilityCostConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if (
        entry is None
        or entry.domain != DOMAIN
        or entry.data.get(CONF_ENTRY_TYPE) != entry_type
    ):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=wrong_key,
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="account_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    return entry.runtime_data
