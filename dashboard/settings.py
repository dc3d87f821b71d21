"""One frozen Settings, read from ONEMAP_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data_loaders.rules.alarms import IMMEDIATE_KINDS, RuleSettings
from data_loaders.rules.rankings import RankingConfig, parse_weights
from data_loaders.telemetry.alarms import AlarmConfig, parse_kind_seconds, parse_kinds
from data_loaders.telemetry.mqtt import check_group

if TYPE_CHECKING:
    from data_loaders.scheduler import IngestConfig

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _default_db_url() -> str:
    return f"sqlite:///{PROJECT_DIR / 'var' / 'onemap.db'}"


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Every setting of the one-map; each has an ONEMAP_<NAME> environment variable."""

    database_url: str = _setting(
        "", "SQLAlchemy URL of the store; empty: a SQLite file var/onemap.db (WAL mode)"
    )
    title: str = _setting("", "Page title; empty: the county grid's name + 应急管理一张图")
    lang: str = _setting("zh", "Default UI language: zh or en")
    tile_url: str = _setting(
        "", "Raster tile URL template; empty: no tiles, grid polygons are the basemap"
    )
    mbtiles: str = _setting(
        "",
        "MBTiles file served at /tiles/{z}/{x}/{y} as an offline basemap (when no tile URL)",
    )
    mqtt_url: str = _setting(
        "", "MQTT broker for telemetry, e.g. mqtt://127.0.0.1:1883; empty: off"
    )
    ingest_token: str = _setting(
        "", "Bearer token POST /api/telemetry requires; empty: the HTTP telemetry source is off"
    )
    secret_key: str = _setting("", "Secret for session cookies; empty: a random one per process")
    host: str = _setting("127.0.0.1", "Address `onemap serve`/`run` listen on")
    port: int = _setting(8050, "Port `onemap serve`/`run` listen on")
    substances_file: str = _setting(
        "", "CSV (name,q_threshold_t,beta[,aliases]) that extends or overrides the GB 18218 table"
    )
    demo_on_empty: bool = _setting(True, "`onemap run` fills the demo city when the store is empty")
    heartbeat_seconds: int = _setting(10, "How often the ingest scheduler records its heartbeat")
    version_seconds: float = _setting(
        1.0,
        "How often the web process reads the store's data and alarm versions (each cached map "
        "layer and figure is kept per version); 0: on every request",
    )
    anonymous_role: str = _setting(
        "",
        "Role of visitors who have not signed in: empty (sign-in required) or viewer "
        "(e.g. a wall screen on a closed network); acting on alarms always needs a sign-in",
    )
    session_idle_minutes: int = _setting(
        120,
        "A sign-in ends after this many minutes without a request from its browser (also on "
        "sign-out, a password or role change, and 7 days after it began)",
    )
    trusted_proxies: int = _setting(
        0,
        "Reverse proxies in front of the web server whose X-Forwarded-For/-Proto/-Host are "
        "believed (1 behind one nginx that ends HTTPS); 0: none, the request is taken as it came",
    )
    secure_cookies: bool = _setting(
        False, "Send the session cookie over HTTPS only (set it when served behind HTTPS)"
    )
    mqtt_client_id: str = _setting(
        "onemap-ingest",
        "MQTT client id of `onemap ingest`; fixed, so the broker keeps its session across restarts",
    )
    mqtt_topic: str = _setting(
        "onemap/telemetry/#", "MQTT topic filter `onemap ingest` subscribes to (QoS 1)"
    )
    mqtt_group: str = _setting(
        "onemap",
        "Shared-subscription group of the ingest processes ($share/GROUP/TOPIC: each message "
        "to one of them); empty: an unshared subscription (one process takes every message)",
    )
    mqtt_session_expiry_s: int = _setting(
        7 * 24 * 3600,
        "How long the broker keeps an ingest process's MQTT session (and its share of the "
        "messages) while it is down; past it Mosquitto discards them (see README: ingest cluster)",
    )
    mqtt_adopt_after_s: int = _setting(
        60,
        "A member of the MQTT group away this long (killed, stopped) has its session drained "
        "and ended by the leader, so its share of the messages goes to the others (at least 4 "
        "heartbeats); 0: never",
    )
    drop_dir: str = _setting(
        "", "Folder of telemetry files (CSV/JSON) to read; empty: off (see README: drop folder)"
    )
    briefing_dir: str = _setting(
        "var/briefings",
        "Folder `onemap ingest` writes the monthly briefings into (the county's and each "
        "town's, PDF and Word, on the 1st at 08:00 China time) and the page lists; empty: off",
    )
    simulator: bool = _setting(
        False, "Feed the demo city's sensors with simulated values (`make run` turns it on)"
    )
    simulator_seed: int = _setting(1, "Random seed of the simulator")
    alarm_min_duration_s: int = _setting(
        10,
        "A new level-1 warning, a step down or a return to normal counts once it has held "
        "this long (seconds of reading time)",
    )
    alarm_hold_by_kind: str = _setting(
        "",
        "Hold times of some sensor kinds instead of the one above, e.g. tank_level=30,pressure=20",
    )
    alarm_immediate_kinds: str = _setting(
        ",".join(IMMEDIATE_KINDS),
        "Sensor kinds whose level-2 alarm opens on the first reading past the limit, with no "
        "hold (GB/T 50493: gas detectors alarm within seconds)",
    )
    alarm_deadband: float = _setting(
        0.1, "Hysteresis: a level is left this share of the level-1/level-2 gap past its limit"
    )
    escalate_level_1_s: int = _setting(
        900, "A level-1 warning nobody acknowledged is escalated after this many seconds"
    )
    escalate_level_2_s: int = _setting(
        300, "A level-2 alarm nobody acknowledged is escalated after this many seconds"
    )
    retention_days: int = _setting(
        30,
        "Raw readings older than this many days (2–3650) are summarised hourly "
        "(min/max/mean), then deleted",
    )
    poll_seconds: int = _setting(3, "How often the screens ask whether alarms or data changed")
    wall_tour: str = _setting(
        "county,towns,dangers,campaigns,committee,ranking",
        "The wall screen's tour (/wall; its ?tour= wins): county, towns (each town), grid:CODE, "
        "dangers, campaigns, committee, ranking, in order; incidents under way come first",
    )
    wall_tour_seconds: int = _setting(30, "How long the wall screen shows each step of its tour")
    wall_reload_hour: int = _setting(
        4,
        "China-time hour at which a wall screen loads its page anew once a night, while no "
        "alarm holds it (-1: never; see the README on why)",
    )
    wall_alarm_seconds: int = _setting(
        300,
        "How long a level-2 or escalated alarm holds the wall screen when nobody acknowledges "
        "it (acknowledging it anywhere gives the screen back to the tour at once)",
    )
    warm_cache: bool = _setting(
        True, "Build the map's default layer payloads in the background when the data changes"
    )

    ranking_weights: str = _setting(
        "rectification=30,overdue=25,campaign=20,alarm_handling=10,self_report=15",
        "Weights of the monthly town ranking's parts (see README: monthly ranking)",
    )
    ranking_alarm_minutes: str = _setting(
        "15,120",
        "Alarm response band of the ranking: full marks at or under the first (minutes to "
        "acknowledge), none at the second",
    )
    ranking_min_alarms: int = _setting(
        3,
        "Fewest alarms a town must have in the month for the ranking's alarm part to count "
        "(fewer: its weight goes to the other parts)",
    )

    def __post_init__(self) -> None:
        """Every setting checked once, when the settings are read: the bounds of the plain
        numbers, then the ranking's and the alarms' (parsed here and kept: ranking_config()
        and alarm_config() hand out what was parsed). ValueError names the variable."""
        for name, low, high in BOUNDS:
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"ONEMAP_{name.upper()} must be from {low} to {high}, not {value}")
        if self.mqtt_group:  # empty: unshared; spaces only or a topic character: refused
            try:
                object.__setattr__(self, "mqtt_group", check_group(self.mqtt_group))
            except ValueError as exc:
                raise ValueError(f"ONEMAP_MQTT_GROUP: {exc}") from None
        object.__setattr__(self, "_ranking", self._parse_ranking())
        object.__setattr__(self, "_alarms", self._parse_alarms())

    def ranking_config(self) -> RankingConfig:
        """The ranking's weights and alarm band (checked when the settings were read)."""
        return self._ranking  # type: ignore[attr-defined, no-any-return]

    def alarm_config(self) -> AlarmConfig:
        """The alarm rule settings and escalation limits (checked when the settings were read)."""
        return self._alarms  # type: ignore[attr-defined, no-any-return]

    def ingest_config(self, parent_pid: int | None = None) -> IngestConfig:
        """What `onemap ingest` runs, from these settings (parent_pid: stop when it is gone)."""
        from data_loaders.scheduler import IngestConfig  # not for `onemap --help`

        return IngestConfig(
            alarms=self.alarm_config(),
            heartbeat_s=self.heartbeat_seconds,
            mqtt_url=self.mqtt_url,
            mqtt_client_id=self.mqtt_client_id,
            mqtt_topic=self.mqtt_topic,
            mqtt_group=self.mqtt_group,
            mqtt_session_expiry_s=self.mqtt_session_expiry_s,
            # a live process refreshes its claim every beat: never taken for away within 4
            mqtt_adopt_after_s=self.mqtt_adopt_after_s
            and max(self.mqtt_adopt_after_s, 4 * self.heartbeat_seconds),
            drop_dir=self.drop_dir,
            simulator=self.simulator,
            simulator_seed=self.simulator_seed,
            retention_days=self.retention_days,
            parent_pid=parent_pid,
        )

    def _parse_ranking(self) -> RankingConfig:
        """The ranking's weights and alarm band; ValueError names a bad setting."""
        try:
            target, limit = (float(x) for x in self.ranking_alarm_minutes.split(","))
        except ValueError:
            raise ValueError("ONEMAP_RANKING_ALARM_MINUTES is two numbers, e.g. 15,120") from None
        if not 0 <= target < limit:
            raise ValueError("ONEMAP_RANKING_ALARM_MINUTES: the first must be below the second")
        if self.ranking_min_alarms < 0:
            raise ValueError("ONEMAP_RANKING_MIN_ALARMS must not be negative")
        try:
            weights = parse_weights(self.ranking_weights)
        except ValueError as exc:
            raise ValueError(f"ONEMAP_RANKING_WEIGHTS: {exc}") from None
        return RankingConfig(weights, target, limit, self.ranking_min_alarms)

    def _parse_alarms(self) -> AlarmConfig:
        """The alarm rule settings and escalation limits; ValueError names a bad setting."""
        return AlarmConfig(
            RuleSettings(self.alarm_deadband, self.alarm_min_duration_s),
            {1: self.escalate_level_1_s, 2: self.escalate_level_2_s},
            parse_kinds(self.alarm_immediate_kinds, "ONEMAP_ALARM_IMMEDIATE_KINDS"),
            parse_kind_seconds(self.alarm_hold_by_kind, "ONEMAP_ALARM_HOLD_BY_KIND"),
        )

    @property
    def db_url(self) -> str:
        """The database URL to use, with the default filled in."""
        return self.database_url or _default_db_url()

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Read settings from ONEMAP_* variables (or the given mapping), then apply overrides."""
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        for f in fields(cls):
            name = f"ONEMAP_{f.name.upper()}"
            raw = env.get(name)
            if raw is None:
                continue
            if f.type in ("int", int, "float", float):
                number = int if f.type in ("int", int) else float
                try:
                    values[f.name] = number(raw)
                except ValueError:
                    kind = "a whole number" if number is int else "a number"
                    raise ValueError(f"{name} must be {kind}, not {raw!r}") from None
            elif f.type in ("bool", bool):
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            else:
                values[f.name] = raw
        values.update(overrides)
        return cls(**values)


BOUNDS = (
    ("session_idle_minutes", 1, 7 * 24 * 60),
    ("trusted_proxies", 0, 5),
    ("poll_seconds", 1, 3600),
    ("wall_tour_seconds", 1, 3600),
    ("wall_alarm_seconds", 5, 86400),
    ("wall_reload_hour", -1, 23),
    ("heartbeat_seconds", 1, 3600),
    ("version_seconds", 0, 60),
    ("port", 1, 65535),
    # at least a minute (0 would end the session, and lose its in-flight messages, at every
    # crash); at most MQTT 5's largest interval (0xFFFFFFFF: never expires)
    ("mqtt_session_expiry_s", 60, 0xFFFFFFFF),
    ("mqtt_adopt_after_s", 0, 7 * 24 * 3600),
    # 0 deleted every reading older than this hour (the trends' 24 h with it), and dropped
    # and made yesterday's partition again every run
    ("retention_days", 2, 3650),
)


def describe() -> list[tuple[str, object, str]]:
    """(environment variable, default, help) of every setting, for the README and `--help`."""
    return [(f"ONEMAP_{f.name.upper()}", f.default, f.metadata["help"]) for f in fields(Settings)]
