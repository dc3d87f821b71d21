"""The store's schema: SQLAlchemy 2 typed models, portable between SQLite and PostgreSQL.

Geometry is kept as WKB bytes (portable) with its bounding box beside it, so that SQL can
pre-filter by box and shapely does the exact test. Grids carry a materialized `path` of codes
("/330381/330381001/") so that "everything inside this grid" is one indexed prefix match.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from data_loaders.times import as_utc

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A time stored as UTC and read back aware: SQLite keeps only the wall-clock text, so an
    aware time with another offset (a dispatch due at 18:00+08:00) would come back as 18:00 UTC.
    Naive times are the store's own convention: UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Any aware time as UTC (also in comparisons, where SQLite compares text)."""
        if value is None or not isinstance(value, datetime):
            return value
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Aware UTC, whatever the driver handed back."""
        return as_utc(value)


class Base(DeclarativeBase):
    """Declarative base with portable constraint names."""

    metadata = MetaData(naming_convention=NAMING)


class Meta(Base):
    """Key/value facts about the store itself (data version, scheduler heartbeat...)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class Grid(Base):
    """A supervision grid polygon: level 1 county, 2 town, 3 community, 4 village."""

    __tablename__ = "grids"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[int] = mapped_column(Integer, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    geometry: Mapped[bytes | None] = mapped_column(LargeBinary)
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    responsible_person: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))

    parent: Mapped[Grid | None] = relationship(remote_side=[id])


class Enterprise(Base):
    """A supervised business (生产经营单位), keyed by its unified social credit code."""

    __tablename__ = "enterprises"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    industry: Mapped[str | None] = mapped_column(String(50), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    employees: Mapped[int | None] = mapped_column(Integer)
    safety_class: Mapped[str] = mapped_column(String(10), index=True)
    # Canonical English tags joined by ';' with a leading and trailing ';' so a tag is
    # matched with LIKE '%;tag;%' on both databases.
    risk_tags: Mapped[str] = mapped_column(String(300), default="")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    mutual_aid: Mapped[bool] = mapped_column(Boolean, default=False)
    trusteeship: Mapped[bool] = mapped_column(Boolean, default=False)
    last_self_report: Mapped[date | None] = mapped_column(Date)

    grid: Mapped[Grid | None] = relationship()


class SafetyClassChange(Base):
    """One re-grading of an enterprise's safety class (the class history)."""

    __tablename__ = "safety_class_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    from_class: Mapped[str | None] = mapped_column(String(10))
    to_class: Mapped[str] = mapped_column(String(10))
    changed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(300))


class MajorHazard(Base):
    """A registered major hazard installation (重大危险源), graded by GB 18218-2018."""

    __tablename__ = "major_hazards"
    __table_args__ = (UniqueConstraint("enterprise_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    exposed_people: Mapped[int] = mapped_column(Integer, default=0)
    alpha: Mapped[float] = mapped_column(Float)
    s_value: Mapped[float] = mapped_column(Float)
    r_value: Mapped[float] = mapped_column(Float)
    level: Mapped[int] = mapped_column(Integer)
    control_status: Mapped[str] = mapped_column(String(20), default="accepted")

    enterprise: Mapped[Enterprise] = relationship()
    substances: Mapped[list[HazardSubstance]] = relationship(
        back_populates="hazard", cascade="all, delete-orphan"
    )


class HazardSubstance(Base):
    """One substance of a major hazard: quantity q, threshold Q and correction factor β."""

    __tablename__ = "hazard_substances"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("major_hazards.id"), index=True)
    substance: Mapped[str] = mapped_column(String(100))
    quantity_t: Mapped[float] = mapped_column(Float)
    threshold_t: Mapped[float] = mapped_column(Float)
    beta: Mapped[float] = mapped_column(Float)

    hazard: Mapped[MajorHazard] = relationship(back_populates="substances")


class Campaign(Base):
    """A special campaign (专项整治) with its tasks and enforcement results."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


class CampaignTask(Base):
    """One task of a campaign, owned by a unit, optionally in a town."""

    __tablename__ = "campaign_tasks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_unit: Mapped[str | None] = mapped_column(String(100))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    done_on: Mapped[date | None] = mapped_column(Date)


class EnforcementAction(Base):
    """An enforcement result: a case, an administrative or criminal detention, a closure."""

    __tablename__ = "enforcement_actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    acted_on: Mapped[date] = mapped_column(Date)


class HiddenDanger(Base):
    """A hidden danger (隐患), found → rectifying → rectified → accepted."""

    __tablename__ = "hidden_dangers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(50))
    severity: Mapped[str] = mapped_column(String(10), default="general")
    description: Mapped[str | None] = mapped_column(Text)
    found_on: Mapped[date] = mapped_column(Date, index=True)
    deadline: Mapped[date | None] = mapped_column(Date)
    rectified_on: Mapped[date | None] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    listing_level: Mapped[str | None] = mapped_column(String(20))
    listing_body: Mapped[str | None] = mapped_column(String(100))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    is_drill: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_hidden_dangers_listing", "listing_level"),)


class Committee(Base):
    """A specialist committee (专委会) of the safety committee."""

    __tablename__ = "committees"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    lead_unit: Mapped[str | None] = mapped_column(String(100))


class CommitteeTask(Base):
    """A task a committee tracks: owner unit, due date, status, progress, evidence."""

    __tablename__ = "committee_tasks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_unit: Mapped[str | None] = mapped_column(String(100))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    done_on: Mapped[date | None] = mapped_column(Date)
    updated_by: Mapped[str | None] = mapped_column(String(50))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CommitteeTaskEvent(Base):
    """One change of a committee task by a person: who, when, what it became; never deleted."""

    __tablename__ = "committee_task_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("committee_tasks.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    progress: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    # what the task was before this change (None on events recorded before 0009): the review
    # page tells what moved since a date from these
    from_status: Mapped[str | None] = mapped_column(String(20))
    from_progress: Mapped[int | None] = mapped_column(Integer)
    # how the change came: "panel" (the task editor), "meeting" (a review meeting's note or
    # decision: meeting_id), "import" (a returned progress file: its name in file_name)
    source: Mapped[str | None] = mapped_column(String(20))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("review_meetings.id"), index=True)
    file_name: Mapped[str | None] = mapped_column(String(255))


class CommitteeActivity(Base):
    """A committee meeting, inspection or joint enforcement action."""

    __tablename__ = "committee_activities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    held_on: Mapped[date] = mapped_column(Date)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    # a review meeting counts as a meeting of each committee it reviewed
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("review_meetings.id"), index=True)


class ReviewMeeting(Base):
    """A committee review meeting (督查会议): when, what was reviewed, who attended, recorded
    once with who recorded it and when; its decisions and task notes hang from it."""

    __tablename__ = "review_meetings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(50))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewMeetingCommittee(Base):
    """A committee a review meeting reviewed (a meeting may review several, or all eight)."""

    __tablename__ = "review_meeting_committees"
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meetings.id"), primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committees.id"), primary_key=True, index=True
    )


class ReviewDecision(Base):
    """One decision of a review meeting, in its order; a decision that became a task names it."""

    __tablename__ = "review_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meetings.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("committee_tasks.id"), index=True)


class Sensor(Base):
    """A monitored signal (or AI video scene) with two-level thresholds."""

    __tablename__ = "sensors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    # AI video scenes: the behaviour model (smoking, fire_smoke, ...); empty for signals.
    scene: Mapped[str | None] = mapped_column(String(30))
    unit: Mapped[str] = mapped_column(String(20), default="")
    device: Mapped[str | None] = mapped_column(String(100))
    # the broker account its device publishes with: MQTT readings of this signal are taken
    # only from that account's topics (None: from any topic, as before accounts were bound)
    gateway: Mapped[str | None] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(100))
    level_1: Mapped[float | None] = mapped_column(Float)
    level_2: Mapped[float | None] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(4), default="high")
    stale_after_s: Mapped[int] = mapped_column(Integer, default=300)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("major_hazards.id"))
    is_drill: Mapped[bool] = mapped_column(Boolean, default=False)


class Reading(Base):
    """One sensor value at one time; unique on (sensor, ts) so repeats are ignored."""

    # On PostgreSQL the table is partitioned by day on ts (migration 0010,
    # data_loaders/store/partitions.py): its primary key there is (id, ts), since a
    # partitioned table's keys must hold ts; nothing references readings.id, and the ORM's
    # identity is still id (from its sequence). SQLite's table is as mapped here.
    __tablename__ = "readings"
    __table_args__ = (UniqueConstraint("sensor_id", "ts"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensors.id"))
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    value: Mapped[float] = mapped_column(Float)


class RejectedMessage(Base):
    """A telemetry message (or record) that could not be used, kept with the reason."""

    __tablename__ = "rejected_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    reason: Mapped[str] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    # a message that could not be handled at all: acknowledged and kept here, never
    # redelivered for ever
    dead_letter: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class TelemetryStream(Base):
    """A source that numbers its messages or readings (an MQTT topic's `seq` user property,
    a sensor's `seq` field): the numbers that never came are counted, for /health."""

    __tablename__ = "telemetry_streams"
    stream: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    seen: Mapped[int] = mapped_column(BigInteger, default=0)
    missing: Mapped[int] = mapped_column(BigInteger, default=0)
    gaps: Mapped[int] = mapped_column(Integer, default=0)
    resets: Mapped[int] = mapped_column(Integer, default=0)
    last_gap_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Alarm(Base):
    """An alarm on a sensor and rule; one open alarm per (sensor, rule)."""

    __tablename__ = "alarms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensors.id"), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    peak: Mapped[float | None] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer, default=1)
    recovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    assignee: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_reason: Mapped[str | None] = mapped_column(Text)
    is_drill: Mapped[bool] = mapped_column(Boolean, default=False)
    drill_id: Mapped[int | None] = mapped_column(ForeignKey("drills.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback: Mapped[str | None] = mapped_column(Text)
    last_value: Mapped[float | None] = mapped_column(Float)

    # One open alarm per (sensor, rule), enforced by the store itself: a repeat updates it.
    __table_args__ = (
        Index(
            "uq_alarms_open_per_rule",
            "sensor_id",
            "rule",
            unique=True,
            sqlite_where=state != "closed",
            postgresql_where=state != "closed",
        ),
    )


class AlarmEvent(Base):
    """One change of an alarm: who, when, what; never deleted."""

    __tablename__ = "alarm_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("alarms.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    alarm: Mapped[Alarm] = relationship()


class SensorState(Base):
    """What the alarm rule remembers of a sensor: its level, a pending change, the last value."""

    __tablename__ = "sensor_states"
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensors.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, default=0)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pending: Mapped[int] = mapped_column(Integer, default=0)
    last_ts: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_value: Mapped[float | None] = mapped_column(Float)


class ReadingRollup(Base):
    """Hourly summary of a sensor's readings, kept after the raw readings are thinned out."""

    __tablename__ = "reading_rollups"
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensors.id"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    min_value: Mapped[float] = mapped_column(Float)
    max_value: Mapped[float] = mapped_column(Float)
    mean_value: Mapped[float] = mapped_column(Float)


class LoginFailure(Base):
    """A wrong password, kept for a while to slow down guessing (shared by all web workers)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Drill(Base):
    """An emergency drill; everything it produces is marked and kept out of real figures."""

    __tablename__ = "drills"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(50))


class WebSession(Base):
    """A browser's sign-in, kept on the server so it can end: on sign-out, on a password or
    role change, after an idle time. The cookie holds only a random token; its hash is here."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    user_name: Mapped[str] = mapped_column(String(50), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(64))


class WallLink(Base):
    """A video-wall screen's password-less, read-only sign-in: the link holds a random token,
    the store only its SHA-256 (a leaked table opens no screen)."""

    __tablename__ = "wall_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class User(Base):
    """A person who signs in: viewer, operator or admin."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Resource(Base):
    """An emergency resource (应急资源) at a point: a rescue team, a material store, a shelter,
    a fire station, a medical unit or an expert (`type`, vocab.RESOURCE_TYPES). The columns a
    type has no use for stay empty."""

    __tablename__ = "resources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(300))
    contact: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))
    members: Mapped[int | None] = mapped_column(Integer)  # a team's people
    speciality: Mapped[str | None] = mapped_column(String(100))  # a team's or an expert's
    equipment: Mapped[str | None] = mapped_column(Text)  # a team's
    items: Mapped[str | None] = mapped_column(Text)  # a store's: "帐篷:200;救生衣:500"
    capacity: Mapped[int | None] = mapped_column(Integer)  # a shelter's people
    is_open: Mapped[bool | None] = mapped_column(Boolean)  # a shelter open now
    beds: Mapped[int | None] = mapped_column(Integer)  # a medical unit's
    ambulances: Mapped[int | None] = mapped_column(Integer)  # a medical unit's


class Target(Base):
    """A sensitive target (敏感目标): a school, hospital, care home… with the people usually
    there (`type`, vocab.TARGET_TYPES)."""

    __tablename__ = "targets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20), index=True)
    people: Mapped[int] = mapped_column(Integer, default=0)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(300))
    contact: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))


class Incident(Base):
    """An incident (突发事件), real or a drill (`is_drill`, with its Drill row): where, what
    kind, the rings' radii and the release for a plume (JSON text), open until closed."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    is_drill: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    drill_id: Mapped[int | None] = mapped_column(ForeignKey("drills.id"))
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    alarm_id: Mapped[int | None] = mapped_column(ForeignKey("alarms.id"))  # it came from
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    radii_m: Mapped[str] = mapped_column(String(100), default="[500, 1000, 3000]")
    release: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_by: Mapped[str] = mapped_column(String(50))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(50))
    summary: Mapped[str | None] = mapped_column(Text)


class IncidentTask(Base):
    """A resource sent to an incident: sent → arrived → done, each step's time kept."""

    __tablename__ = "incident_tasks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"))
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(20), default="sent")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(50))


class IncidentEvent(Base):
    """One line of an incident's timeline: opened, a note, a task's step, the wind, an
    injection, closed — with who and when (alarms' own events stay in alarm_events)."""

    __tablename__ = "incident_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("incident_tasks.id"))
