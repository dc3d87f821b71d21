"""The MQTT source (paho-mqtt): QoS 1 into a persistent session, acknowledged only after the
readings are committed, so a restart of the ingest process loses nothing.

The client speaks MQTT 5 with a fixed client id, `clean_start=False` and a session expiry,
so the broker keeps the subscription and queues messages while we are away. Messages are
acknowledged by hand (`manual_ack`) once the batch holding them is committed: a crash before
the commit means the broker sends them again, and the store's uniqueness on (sensor, ts)
turns the repeat into a no-op. MQTT 5's Receive Maximum lets the broker keep many messages
in flight (MQTT 3.1.1 brokers stop at about 20 unacknowledged messages).

Several ingest processes share the work through an MQTT 5 shared subscription
(`$share/GROUP/TOPIC`, `shared_filter`): the broker gives each message to one member. What
Mosquitto does with a member that is down is below (SESSION_EXPIRY_S, adopt_session).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

log = logging.getLogger("onemap.mqtt")
TOPIC = "onemap/telemetry/#"
# How long the broker keeps our session (subscription and queue) while we are away: a week of
# downtime. With a shared subscription this matters more than it seems, and it must stay long.
# Mosquitto 2.0 (checked in its source up to 2.0.20: subs__shared_process) hands the messages
# of a `$share/GROUP/...` subscription round-robin to every member that has a session,
# connected or not: a member that was killed keeps receiving its share into its session's
# queue, and its in-flight messages (received, not acknowledged) stay there too. Both reach
# it when it comes back with the same client id (clean_start=False). When its session
# expires instead, Mosquitto discards that queue; it does not hand it to the other members
# (MQTT 5 says SHOULD, Mosquitto does not). So a short expiry would not move a dead member's
# messages to the others: it would lose them. The trade-off of a long one: while a member is
# down, its share of new messages waits for it (the others keep storing theirs at once). So
# the leader adopts the session of a member away for long (adopt_session below): it drains
# it and ends it, and the members left get every message from then on.
SESSION_EXPIRY_S = 7 * 24 * 3600


@dataclass(frozen=True)
class BrokerAddress:
    """Where the broker is and how to sign in."""

    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool


def parse_url(url: str) -> BrokerAddress:
    """mqtt://[user:pass@]host[:port] (mqtts:// for TLS)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"an MQTT URL starts with mqtt:// or mqtts://, not {url!r}")
    tls = parsed.scheme in ("mqtts", "ssl")
    return BrokerAddress(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or (8883 if tls else 1883),
        username=unquote(parsed.username) if parsed.username else None,
        password=unquote(parsed.password) if parsed.password else None,
        tls=tls,
    )


# MQTT 5 reason code 142: another client connected with our client id and took our session.
# Some brokers (Mosquitto 2.0.11) just close the old connection instead: then three
# connections in a row that the broker closed within seconds are taken for the same thing
# (two clients with one id knock each other off about once a second).
SESSION_TAKEN_OVER = 142
MAX_PACKET_BYTES = 8 * 1024 * 1024 + 65_536  # a message (8 MiB) and its headers
TAKEN_OVER_DELAY_S = (30, 300)  # reconnect this slowly while another client holds our id
# Reconnect soon after the broker is back: Mosquitto (2.0.11 and 2.0.20 alike) does not keep
# shared subscriptions over its own restart, so what devices publish before we subscribe
# again goes to nobody; the broker is on our network, a retry every few seconds costs
# nothing.
RECONNECT_DELAY_S = (1, 3)
SHORT_LIVED_S = 5.0
SHORT_LIVED_IN_A_ROW = 3
# paho retries a failed connect (refused socket, TLS handshake) silently, every few seconds:
# we say so, once a minute, or an ingest that cannot reach its broker would never say why
CONNECT_FAIL_LOG_S = 60.0
# stop's barrier: a filter nobody subscribes to ("$" topics are the broker's, never telemetry)
FLUSH_FILTER = "$onemap/flush"


def check_group(group: str) -> str:
    """A shared-subscription group name as given, stripped; ValueError when it is empty after
    stripping or holds what a topic level cannot (`/`, `+`, `#`; MQTT 5 4.8.2)."""
    name = group.strip()
    if not name or any(c in name for c in "/+#"):
        raise ValueError(f"an MQTT group name has no / + # and is not empty, not {group!r}")
    return name


def shared_filter(topic: str, group: str) -> str:
    """The filter to subscribe to: `$share/GROUP/TOPIC` (the members of a group split the
    messages between them, each message to one), or the topic itself when no group."""
    return f"$share/{check_group(group)}/{topic}" if group else topic


class Message(NamedTuple):
    """One received message: the connection it came on, its id there, its payload, topic and
    the publisher's own number for it (the `seq` user property), when it has one."""

    generation: int
    mid: int
    payload: bytes
    topic: str = ""
    seq: int | None = None
    account: str | None = None  # the publisher's account, by its topic (see account_of)


def account_of(topic: str, subscribed: str) -> str | None:
    """The account a message came from: the topic's level after the subscribed filter's
    base (onemap/telemetry/GW-001/… under onemap/telemetry/#: GW-001). The broker's ACL
    lets an account publish only under its own name, so the topic is who sent it."""
    base = subscribed.removesuffix("#").rstrip("/")
    if not topic.startswith(base + "/"):
        return None
    return topic[len(base) + 1 :].split("/", 1)[0] or None


def user_seq(properties: Properties | None) -> int | None:
    """The `seq` user property (a whole number ≥ 0) of a message, else None."""
    for key, value in getattr(properties, "UserProperty", None) or []:
        # ASCII digits only: "²".isdigit() is true and int("²") raises (in paho's thread)
        if key == "seq" and value.isascii() and value.isdigit() and len(value) <= 15:
            return int(value)
    return None


# The guard (shared subscriptions only). Mosquitto keeps a session's normal subscriptions
# over its own restart but not its shared ones (2.0.11 and 2.0.20 alike, tested): after a
# restart nobody is subscribed to the group until the members connect again, and what the
# devices publish first (their queued messages, sent the moment they are back) goes to
# nobody. So the leader also holds the topic itself, unshared: the broker keeps that one.
# When we connect to a session the broker kept (it may have been restarted), what comes on
# the guard is stored until GUARD_MARGIN_S after the broker has confirmed our share of the
# group again (from then on the group exists and gets everything; a repeat of what the
# group also got is a no-op); any other time its copies are acknowledged unread.
# Subscription identifiers tell the two apart (MQTT 5). A former leader gives the guard up
# GUARD_WINDOW_S after it connects (what its session held on it is stored first).
SHARE_ID, GUARD_ID = 1, 2
GUARD_MARGIN_S = 5.0
GUARD_WINDOW_S = 30.0


def _with_id(identifier: int) -> Properties:
    props = Properties(PacketTypes.SUBSCRIBE)
    props.SubscriptionIdentifier = identifier
    return props


def subscription_ids(message) -> list[int]:  # type: ignore[no-untyped-def]
    """The identifiers of the subscriptions a message came through (MQTT 5), else []."""
    ids = getattr(getattr(message, "properties", None), "SubscriptionIdentifier", None)
    if ids is None:
        return []
    return list(ids) if isinstance(ids, list | tuple) else [ids]


class MqttSource:
    """Receives telemetry messages into a queue; `take` hands them out, `ack` confirms them."""

    def __init__(
        self,
        url: str,
        client_id: str,
        topic: str = TOPIC,
        receive_maximum: int = 20_000,
        group: str = "",
        session_expiry_s: int = SESSION_EXPIRY_S,
    ) -> None:
        self.address = parse_url(url)
        self.address_url = url
        self.client_id = client_id
        self.topic = topic
        self.group = group
        # what we subscribe to: the topic itself, or the group's share of it
        self.filter = shared_filter(topic, group)
        self.guard_topic = topic if group else None  # (see GUARD_ID)
        self._guard = False  # held now (the leader holds it)
        self._guard_until = 0.0  # guard copies are stored until then
        self._share_mid = -1  # the SUBSCRIBE of our share, whose SUBACK ends that
        self.guarded = 0  # guard copies stored, for /health and the tests
        self.sessions_lost = 0  # reconnections to a broker that had lost our session
        self._queue: deque[Message] = deque()
        self._lock = threading.Lock()
        self._generation = 0
        self.connected = threading.Event()
        # the broker acknowledged our subscription: from here on nothing published is missed
        # (connected comes first; a message published in between goes to nobody)
        self.subscribed = threading.Event()
        self.taken_over = threading.Event()  # another process connected with our client id
        self.guard_held = threading.Event()  # the broker confirmed our guard subscription
        self._guard_mid: int | None = None
        self._guard_lock = threading.Lock()  # _guard, _guard_mid and connected move together
        self._guard_told = False
        self._connected_at = 0.0
        self._connect_fail_logged = -math.inf
        self._short_lived = 0  # connections in a row the broker closed within seconds
        self.client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if self.address.username:
            self.client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:
            self.client.tls_set()
        self.client.reconnect_delay_set(*RECONNECT_DELAY_S)
        # A callback that raises must never end paho's network thread: the message would stay
        # unacknowledged, be sent again after a restart and end that thread too.
        self.client.suppress_exceptions = True
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_connect_fail = self._on_connect_fail
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_unsubscribe = self._on_unsubscribe
        self._unsubacked: set[int] = set()  # UNSUBACKs come (stop's barrier is one)
        self._connect_props = Properties(PacketTypes.CONNECT)
        self._connect_props.SessionExpiryInterval = session_expiry_s
        self._connect_props.ReceiveMaximum = receive_maximum
        # The broker sends nothing bigger than a message may be (it drops it for us instead).
        self._connect_props.MaximumPacketSize = MAX_PACKET_BYTES

    # --- paho callbacks (its network thread) ---------------------------------------------
    def _on_connect(self, client, _userdata, flags, reason_code, _props) -> None:  # type: ignore[no-untyped-def]
        if reason_code.is_failure:
            log.warning("MQTT connection refused: %s", reason_code)
            return
        with self._lock:
            # Messages of an earlier connection can no longer be acknowledged (their ids
            # meant something on that connection only); the broker will send them again.
            self._generation += 1
        present = bool(getattr(flags, "session_present", False))
        if self._generation > 1 and not present:
            self.sessions_lost += 1
            # We asked for a session that outlives us: the broker lost it (killed before its
            # store's autosave, or the store gone). It acknowledged to the devices what came
            # before we subscribed again, and gave it to nobody: say so (bench/faults.py).
            log.warning(
                "MQTT: the broker kept no session for %s (restarted without its store?): "
                "readings sent to it before we subscribed again may be lost",
                self.client_id,
            )
        if self.guard_topic:
            # a kept session: the guard is read until the group is confirmed (then a margin)
            self._guard_until = math.inf if present else 0.0
        _rc, self._share_mid = client.subscribe(self.filter, qos=1, properties=_with_id(SHARE_ID))
        self._connected_at = time.monotonic()
        # Under the guard's lock with `connected`: the lead may be taken (set_guard, on the
        # scheduler's thread) while we connect; deciding on a stale `_guard` here and
        # seeing `connected` unset there, neither subscribed, and the leader ran unguarded
        # (a failover test saw no guard in 30 s).
        with self._guard_lock:
            if self.guard_topic and self._guard:
                self._subscribe_guard()
            elif self.guard_topic:  # a guard this session held as the leader: copies, then away
                threading.Timer(GUARD_WINDOW_S, self._drop_guard, args=(self._generation,)).start()
            self.connected.set()
        if self.taken_over.is_set():
            threading.Timer(SHORT_LIVED_S * 2, self._settled, args=(self._generation,)).start()
        log.info("MQTT connected to %s:%s", self.address.host, self.address.port)

    def _on_subscribe(self, _client, _userdata, mid, reason_codes, _props) -> None:  # type: ignore[no-untyped-def]
        if reason_codes and all(not code.is_failure for code in reason_codes):
            if mid == self._share_mid and self._guard_until == math.inf:
                self._guard_until = time.monotonic() + GUARD_MARGIN_S
            with self._guard_lock:  # (set_guard's subscribe has returned its mid)
                guard = mid == self._guard_mid and self._guard
            if guard:
                if not self._guard_told:
                    # a warning, once per lead (no logging is set up): with the leader's
                    # change, what an operator (and the failover tests) look for
                    log.warning("MQTT: %s holds the guard subscription", self.client_id)
                    self._guard_told = True
                self.guard_held.set()
            else:
                self.subscribed.set()
        else:
            log.warning("MQTT subscription to %s refused: %s", self.filter, reason_codes)

    def _on_unsubscribe(self, _client, _userdata, mid, _codes, _props) -> None:  # type: ignore[no-untyped-def]
        self._unsubacked.add(mid)  # (the answer may come before unsubscribe returns)

    def _on_disconnect(self, client, _userdata, _flags, reason_code, _props) -> None:  # type: ignore[no-untyped-def]
        was_connected = self.connected.is_set()
        self.connected.clear()
        self.subscribed.clear()
        self.guard_held.clear()
        if was_connected and time.monotonic() - self._connected_at < SHORT_LIVED_S:
            self._short_lived += 1
        elif was_connected:
            self._short_lived = 0
        code = getattr(reason_code, "value", None)
        if code == SESSION_TAKEN_OVER or self._short_lived >= SHORT_LIVED_IN_A_ROW:
            # Another client uses our client id: two of them knock each other off every
            # second. Keep trying, slowly (a single stray connect must not silence us for
            # good); /health says so while it lasts.
            if not self.taken_over.is_set():
                log.error(
                    "MQTT: another client connected with our client id %r and took the "
                    "session (%s); reconnecting every %d-%d s. Give each ingest process its "
                    "own ONEMAP_MQTT_CLIENT_ID.",
                    self.client_id,
                    reason_code if code == SESSION_TAKEN_OVER else "closed within seconds, 3 times",
                    *TAKEN_OVER_DELAY_S,
                )
            self.taken_over.set()
            client.reconnect_delay_set(*TAKEN_OVER_DELAY_S)
            return
        log.warning("MQTT disconnected (%s); reconnecting", reason_code)

    def _on_connect_fail(self, _client, _userdata) -> None:  # type: ignore[no-untyped-def]
        now = time.monotonic()
        if now - self._connect_fail_logged < CONNECT_FAIL_LOG_S:
            return
        self._connect_fail_logged = now
        log.warning(
            "MQTT: cannot connect to %s:%d%s; trying again every %d-%d s",
            self.address.host,
            self.address.port,
            " over TLS (is the broker's certificate trusted here, and does it name this host?)"
            if self.address.tls
            else "",
            *RECONNECT_DELAY_S,
        )

    def _settled(self, generation: int) -> None:
        """A connection that lasted: the session is ours again (normal reconnect delays)."""
        with self._lock:
            same = generation == self._generation
        if same and self.connected.is_set():
            self.taken_over.clear()
            self._short_lived = 0
            self.client.reconnect_delay_set(*RECONNECT_DELAY_S)
            log.info("MQTT: the session is ours again")

    def set_guard(self, on: bool) -> None:
        """Hold the guard subscription (the leader) or give it up (see GUARD_ID)."""
        if not self.guard_topic or on == self._guard:
            return
        with self._guard_lock:
            self._guard = on
            self._guard_told = False
            if self.connected.is_set():
                if on:
                    self._subscribe_guard()
                else:
                    self.guard_held.clear()
                    self.client.unsubscribe(self.guard_topic)

    def _subscribe_guard(self) -> None:
        """Ask for the guard subscription (under the guard's lock: its SUBACK waits for it)."""
        _rc, self._guard_mid = self.client.subscribe(
            self.guard_topic, qos=1, properties=_with_id(GUARD_ID)
        )

    def _drop_guard(self, generation: int) -> None:
        with self._lock:
            same = generation == self._generation
        with self._guard_lock:  # (the lead may be taken meanwhile: then the guard stays)
            if same and not self._guard and self.connected.is_set() and self.guard_topic:
                self.client.unsubscribe(self.guard_topic)

    def _on_message(self, client, _userdata, message) -> None:  # type: ignore[no-untyped-def]
        ids = subscription_ids(message)
        if GUARD_ID in ids and SHARE_ID not in ids:
            if time.monotonic() >= self._guard_until:
                client.ack(message.mid, 1)  # the group has it: not read
                return
            self.guarded += 1
        try:
            seq = user_seq(getattr(message, "properties", None))
        except Exception:  # a property we cannot read: the message is still handled
            log.exception("MQTT message on %s: its properties could not be read", message.topic)
            seq = None
        with self._lock:
            self._queue.append(
                Message(
                    self._generation,
                    message.mid,
                    message.payload,
                    message.topic,
                    seq,
                    account_of(message.topic, self.topic),
                )
            )

    # --- the drain job's side --------------------------------------------------------------
    def start(self) -> None:
        """Connect in the background; paho reconnects by itself when the broker goes away."""
        self.client.connect_async(
            self.address.host,
            self.address.port,
            keepalive=30,
            clean_start=False,
            properties=self._connect_props,
        )
        self.client.loop_start()

    def stop(self, flush_s: float = 5.0) -> None:
        """Disconnect (the broker keeps the session and queues what comes meanwhile), once
        the broker has read the acknowledgements already given. Their having left our socket
        was not enough: on a loaded machine a restart with our client id took the session
        over before the broker read them, it dropped the old connection's unread bytes and
        sent those messages again (a repeat is a no-op, but a restart should not cost one).
        So an UNSUBSCRIBE of a filter we never had goes after them: the broker handles a
        connection's packets in order, so its UNSUBACK says it has read every ack before."""
        deadline = time.monotonic() + flush_s
        if self.connected.is_set():
            _rc, mid = self.client.unsubscribe(FLUSH_FILTER)
            while self.connected.is_set() and mid not in self._unsubacked:
                if time.monotonic() > deadline:
                    log.warning("MQTT: the broker did not confirm our acknowledgements in time")
                    break
                time.sleep(0.01)
        self.client.disconnect()
        self.client.loop_stop()

    def pending(self) -> int:
        """Messages received and not yet handed out."""
        return len(self._queue)

    def take(self, limit: int) -> list[Message]:
        """Up to `limit` received messages, oldest first."""
        with self._lock:
            n = min(limit, len(self._queue))
            return [self._queue.popleft() for _ in range(n)]

    def put_back(self, messages: list[Message]) -> None:
        """Return messages not handled (the store was away) to the front of the queue."""
        with self._lock:
            self._queue.extendleft(reversed(messages))

    def ack(self, messages: list[Message]) -> int:
        """Acknowledge committed messages of the current connection; the number acknowledged."""
        with self._lock:
            current = self._generation
        n = 0
        for m in messages:
            if m.generation == current and m.mid:
                self.client.ack(m.mid, 1)
                n += 1
        return n


# --- a dead member's session, taken over and ended -----------------------------------------
ADOPT_QUIET_S = 1.0  # nothing more came for this long after the unsubscription: drained
ADOPT_LIMIT_S = 60.0  # one adoption's longest run (a huge queue: the rest at the next one)


def adopt_session(
    url: str,
    client_id: str,
    topic_filter: str | list[str],
    store: Callable[[list[Message]], object],
    limit_s: float = ADOPT_LIMIT_S,
    quiet_s: float = ADOPT_QUIET_S,
    topic: str = TOPIC,
) -> int | None:
    """Drain the session of a dead member of a shared subscription and end it, so that its
    share of new messages goes to the live members; the number of messages stored, or None
    when it could not finish (the session is kept then, nothing of it lost).

    Mosquitto keeps handing a dead member its share and drops it all when the session expires
    (see SESSION_EXPIRY_S), so the leader takes the session over (its client id,
    clean_start=False): the broker sends what the session holds, in flight and queued. The
    group's filter is unsubscribed at once (no more of the group's messages come to it);
    every message is stored (`store` raises when the store is away) and acknowledged; once
    nothing more comes, the DISCONNECT sets the session's expiry to 0 and the broker forgets
    it. Should the member itself come back meanwhile, it takes its session back (what we did
    not acknowledge is sent to it again; a repeat is a no-op) and we stop. One thread, no
    reconnect: paho's loop is driven here."""
    address = parse_url(url)
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
        manual_ack=True,
    )
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    client.suppress_exceptions = True
    received: deque[Message] = deque()
    state = {"connected": False, "present": False, "unsubscribed": False, "gone": False}

    def on_connect(c, _u, flags, reason_code, _p) -> None:  # type: ignore[no-untyped-def]
        if reason_code.is_failure:
            state["gone"] = True
            return
        state["connected"] = True
        state["present"] = bool(flags.session_present)
        if state["present"]:
            c.unsubscribe(topic_filter)

    def on_unsubscribe(_c, _u, _mid, _codes, _p) -> None:  # type: ignore[no-untyped-def]
        state["unsubscribed"] = True

    def on_disconnect(_c, _u, _f, _rc, _p) -> None:  # type: ignore[no-untyped-def]
        state["gone"] = True  # the member came back (took its session) or the broker went

    def on_message(_c, _u, message) -> None:  # type: ignore[no-untyped-def]
        received.append(
            Message(
                0,
                message.mid,
                message.payload,
                message.topic,
                _seq_of(message),
                account_of(message.topic, topic),
            )
        )

    client.on_connect, client.on_disconnect = on_connect, on_disconnect
    client.on_message, client.on_unsubscribe = on_message, on_unsubscribe
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = SESSION_EXPIRY_S  # kept, unless we end it at the end
    props.ReceiveMaximum = 20_000
    props.MaximumPacketSize = MAX_PACKET_BYTES
    stored = 0
    try:
        client.connect(
            address.host, address.port, keepalive=30, clean_start=False, properties=props
        )
    except OSError as exc:
        log.warning("MQTT: could not take over the session of %r (%r)", client_id, exc)
        return None
    started = quiet_since = time.monotonic()
    finished = False
    try:
        while not state["gone"] and time.monotonic() - started < limit_s:
            client.loop(timeout=0.05)
            if state["connected"] and not state["present"]:
                finished = True  # no session left to drain
                break
            if received:
                batch = [received.popleft() for _ in range(len(received))]
                store(batch)  # raises when the store is away: the session is kept
                for m in batch:
                    if m.mid:
                        client.ack(m.mid, 1)
                stored += len(batch)
                quiet_since = time.monotonic()
            elif state["unsubscribed"] and time.monotonic() - quiet_since > quiet_s:
                finished = True
                break
        if finished and not state["gone"]:
            while client.want_write() and time.monotonic() - started < limit_s + 5:
                client.loop(timeout=0.05)  # the acknowledgements leave first
            end = Properties(PacketTypes.DISCONNECT)
            end.SessionExpiryInterval = 0  # the broker forgets the session now
            client.disconnect(properties=end)
            client.loop(timeout=0.2)
            return stored
        log.warning(
            "MQTT: the session of %r was not drained (%d messages stored); kept", client_id, stored
        )
        return None
    finally:
        if not state["gone"] and not finished:
            client.disconnect()  # the session stays (its expiry as it was)
            client.loop(timeout=0.2)


def _seq_of(message) -> int | None:  # type: ignore[no-untyped-def]
    try:
        return user_seq(getattr(message, "properties", None))
    except Exception:
        return None
