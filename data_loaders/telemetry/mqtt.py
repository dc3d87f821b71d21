"""The MQTT source (paho-mqtt): QoS 1 into a persistent session, acknowledged only after the
readings are committed, so a restart of the ingest process loses nothing.

The client speaks MQTT 5 with a fixed client id, `clean_start=False` and a session expiry,
so the broker keeps the subscription and queues messages while we are away. Messages are
acknowledged by hand (`manual_ack`) once the batch holding them is committed: a crash before
the commit means the broker sends them again, and the store's uniqueness on (sensor, ts)
turns the repeat into a no-op. MQTT 5's Receive Maximum lets the broker keep many messages
in flight (MQTT 3.1.1 brokers stop at about 20 unacknowledged messages).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

log = logging.getLogger("onemap.mqtt")
TOPIC = "onemap/telemetry/#"
SESSION_EXPIRY_S = 7 * 24 * 3600  # the broker keeps our queue for a week of downtime


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


class MqttSource:
    """Receives telemetry messages into a queue; `take` hands them out, `ack` confirms them."""

    def __init__(
        self,
        url: str,
        client_id: str,
        topic: str = TOPIC,
        receive_maximum: int = 20_000,
    ) -> None:
        self.address = parse_url(url)
        self.topic = topic
        self._queue: deque[tuple[int, int, bytes]] = deque()  # (connection, mid, payload)
        self._lock = threading.Lock()
        self._generation = 0
        self.connected = threading.Event()
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
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self._connect_props = Properties(PacketTypes.CONNECT)
        self._connect_props.SessionExpiryInterval = SESSION_EXPIRY_S
        self._connect_props.ReceiveMaximum = receive_maximum

    # --- paho callbacks (its network thread) ---------------------------------------------
    def _on_connect(self, client, _userdata, _flags, reason_code, _props) -> None:  # type: ignore[no-untyped-def]
        if reason_code.is_failure:
            log.warning("MQTT connection refused: %s", reason_code)
            return
        with self._lock:
            # Messages of an earlier connection can no longer be acknowledged (their ids
            # meant something on that connection only); the broker will send them again.
            self._generation += 1
        client.subscribe(self.topic, qos=1)
        self.connected.set()
        log.info("MQTT connected to %s:%s", self.address.host, self.address.port)

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _props) -> None:  # type: ignore[no-untyped-def]
        self.connected.clear()
        log.warning("MQTT disconnected (%s); reconnecting", reason_code)

    def _on_message(self, _client, _userdata, message) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            self._queue.append((self._generation, message.mid, message.payload))

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

    def stop(self) -> None:
        """Disconnect (the broker keeps the session and queues what comes meanwhile)."""
        self.client.disconnect()
        self.client.loop_stop()

    def pending(self) -> int:
        """Messages received and not yet handed out."""
        return len(self._queue)

    def take(self, limit: int) -> list[tuple[int, int, bytes]]:
        """Up to `limit` received messages: (connection, message id, payload)."""
        with self._lock:
            n = min(limit, len(self._queue))
            return [self._queue.popleft() for _ in range(n)]

    def ack(self, messages: list[tuple[int, int, bytes]]) -> int:
        """Acknowledge committed messages of the current connection; the number acknowledged."""
        with self._lock:
            current = self._generation
        n = 0
        for generation, mid, _ in messages:
            if generation == current and mid:
                self.client.ack(mid, 1)
                n += 1
        return n
