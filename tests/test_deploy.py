"""The sample deployment in deploy/ works as written: the broker's configuration (sign-in, TLS,
ACL, persistence) on a Mosquitto of its own, the systemd units, the gunicorn settings."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
import pytest

from data_loaders.store import init_db, make_engine
from tests.conftest import need_service, reachable
from tests.test_production import free_port

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
USERS = {
    "onemap-ingest-1": "ingest-1-secret",
    "onemap-ingest-2": "ingest-2-secret",
    "GW-001": "gw-1-secret",
    "GW-002": "gw-2-secret",
}


def broker_conf(tmp: Path, port: int) -> Path:
    """deploy/mosquitto/onemap.conf with its paths and port moved into a folder of the test."""
    passwd = tmp / "onemap.passwd"
    passwd.touch()
    for user, password in USERS.items():
        subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True)
    os.chmod(passwd, 0o600)
    shutil.copy(DEPLOY / "mosquitto" / "onemap.acl", tmp / "onemap.acl")
    (tmp / "db").mkdir()
    text = (DEPLOY / "mosquitto" / "onemap.conf").read_text()
    text = text.replace("listener 1883", f"listener {port} 127.0.0.1")
    text = text.replace("/etc/mosquitto/", f"{tmp}/")
    assert str(tmp) in text  # the replacements found their lines
    # what Debian's mosquitto.conf adds around the drop-in
    text += f"\npersistence true\npersistence_location {tmp}/db/\n"
    # started as root, Mosquitto would become the user `mosquitto`, who cannot read the
    # test's folder: it stays who runs the test
    text += f"\nuser {pwd.getpwuid(os.getuid()).pw_name}\n"
    conf = tmp / "onemap.conf"
    conf.write_text(text)
    return conf


def start_broker(conf: Path, port: int) -> subprocess.Popen:  # type: ignore[type-arg]
    """Mosquitto on a configuration, once it listens."""
    proc = subprocess.Popen(
        ["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 10
    while reachable("127.0.0.1", port, 0.2):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "no broker")
        time.sleep(0.1)
    return proc


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[int]:
    """A Mosquitto of the test's own on the deploy configuration; its port."""
    if shutil.which("mosquitto") is None or shutil.which("mosquitto_passwd") is None:
        need_service("mosquitto", "Debian's mosquitto package is not installed")
    port = free_port()
    proc = start_broker(broker_conf(tmp_path, port), port)
    yield port
    proc.terminate()
    proc.wait(10)


class Client:
    """A small MQTT 5 client that records what the broker answered."""

    def __init__(
        self, port: int, user: str | None, password: str | None = None, client_id: str = ""
    ) -> None:
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.subscribed = threading.Event()
        self.connect_code: int | None = None
        self.sub_codes: list[int] = []
        self.published: dict[int, int] = {}
        self.messages: list[tuple[str, bytes]] = []
        self.c = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or f"t-{user}-{time.monotonic_ns()}",
            protocol=mqtt.MQTTv5,
        )
        if user:
            self.c.username_pw_set(user, password)
        self.c.on_connect = self._on_connect
        self.c.on_subscribe = lambda _c, _u, _m, codes, _p: (
            self.sub_codes.extend(code.value for code in codes),
            self.subscribed.set(),
        )
        self.c.on_publish = lambda _c, _u, mid, code, _p: self.published.__setitem__(
            mid, code.value
        )
        self.c.on_message = lambda _c, _u, m: self.messages.append((m.topic, m.payload))
        self.c.on_disconnect = lambda *_a: self.disconnected.set()
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()

    def _on_connect(self, _c, _u, _f, code, _p) -> None:  # type: ignore[no-untyped-def]
        self.connect_code = code.value
        self.connected.set()

    def publish(self, topic: str, body: bytes) -> int:
        """Publish with QoS 1; the broker's reason code in its acknowledgement."""
        info = self.c.publish(topic, body, qos=1)
        deadline = time.monotonic() + 5
        while info.mid not in self.published and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.published[info.mid]

    def close(self) -> None:
        """Disconnect and stop the network thread."""
        self.c.disconnect()
        self.c.loop_stop()


def connect(
    port: int, user: str | None, password: str | None = None, client_id: str = ""
) -> Client:
    """A connected (or refused) client."""
    client = Client(port, user, password, client_id)
    assert client.connected.wait(5) or client.connect_code is not None
    return client


NOT_AUTHORIZED = 135


def test_the_broker_signs_everyone_in_and_keeps_devices_to_their_topics(broker):
    anonymous = connect(broker, None)
    assert anonymous.connect_code == NOT_AUTHORIZED
    anonymous.close()
    wrong = connect(broker, "GW-001", "guess")
    assert wrong.connect_code != 0
    wrong.close()

    ingest = connect(broker, "onemap-ingest-1", USERS["onemap-ingest-1"], "onemap-ingest-1")
    assert ingest.connect_code == 0
    ingest.c.subscribe("$share/onemap/onemap/telemetry/#", qos=1)
    assert ingest.subscribed.wait(5) and ingest.sub_codes == [1]  # granted QoS 1

    # a device reads nothing, not even the other devices' telemetry (Mosquitto grants the
    # subscription and checks the ACL at each delivery)
    other = connect(broker, "GW-002", USERS["GW-002"])
    other.c.subscribe("onemap/telemetry/#", qos=1)
    assert other.subscribed.wait(5)

    device = connect(broker, "GW-001", USERS["GW-001"])
    assert device.connect_code == 0
    assert device.publish("onemap/telemetry/GW-001/NH3-1", b'{"v": 1}') == 0
    # another device's topic, or a topic outside telemetry: refused at the broker
    assert device.publish("onemap/telemetry/GW-002/NH3-9", b'{"v": 2}') == NOT_AUTHORIZED
    assert device.publish("onemap/alarms", b"x") == NOT_AUTHORIZED
    deadline = time.monotonic() + 5
    while not ingest.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # (anything refused would have arrived by now too)
    assert ingest.messages == [("onemap/telemetry/GW-001/NH3-1", b'{"v": 1}')]
    assert other.messages == []
    # the ingest account publishes nothing: no device's readings, nor under its own name
    assert ingest.publish("onemap/telemetry/GW-001/NH3-1", b"{}") == NOT_AUTHORIZED
    assert ingest.publish("onemap/telemetry/onemap-ingest-1/x", b"{}") == NOT_AUTHORIZED
    # a device asking for the ingest's client id gets its own name instead: the ingest's
    # session (its subscription, its queue) stays the ingest's
    thief = connect(broker, "GW-002", USERS["GW-002"], "onemap-ingest-1")
    assert thief.connect_code == 0
    time.sleep(0.5)
    assert not ingest.disconnected.is_set()
    assert device.publish("onemap/telemetry/GW-001/NH3-1", b'{"v": 3}') == 0
    deadline = time.monotonic() + 5
    while len(ingest.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ingest.messages[-1] == ("onemap/telemetry/GW-001/NH3-1", b'{"v": 3}')
    assert thief.messages == []
    for client in (ingest, device, other, thief):
        client.close()


def venv_unit(path: Path, tmp: Path) -> Path:
    """A unit file with the install paths moved to this checkout, for systemd-analyze."""
    bin_dir = Path(sys.executable).parent
    text = path.read_text().replace("/opt/onemap/.venv/bin/", f"{bin_dir}/")
    text = text.replace("/opt/onemap/deploy/", f"{DEPLOY}/").replace("/opt/onemap", str(ROOT))
    for name, example in (
        ("onemap.env", "onemap.env.example"),
        ("web.env", "web.env.example"),
        ("ingest-%i.env", "ingest.env.example"),
    ):
        text = text.replace(f"/etc/onemap/{name}", str(DEPLOY / example))
    assert "EnvironmentFile=/etc/onemap" not in text
    name = path.name.replace("@.", "@1.")  # an instance of the template
    target = tmp / name
    target.write_text(text)
    return target


def test_the_systemd_units_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        need_service("systemd-analyze", "systemd is not installed")
    units = [venv_unit(p, tmp_path) for p in sorted((DEPLOY / "systemd").glob("*.service"))]
    assert {u.name for u in units} == {
        "onemap-migrate.service",
        "onemap-web.service",
        "onemap-ingest@1.service",
    }
    run = subprocess.run(
        ["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    ingest = (DEPLOY / "systemd" / "onemap-ingest@.service").read_text()
    assert "ONEMAP_MQTT_CLIENT_ID=onemap-ingest-%i" in ingest and "Restart=always" in ingest


def test_the_gunicorn_settings_load(tmp_path):
    store = f"sqlite:///{tmp_path / 'x.db'}"
    env = {
        **os.environ,
        "ONEMAP_WEB_WORKERS": "3",
        "ONEMAP_WEB_BIND": "127.0.0.1:9",
        "ONEMAP_SECRET_KEY": "k" * 64,
        "ONEMAP_DATABASE_URL": store,
    }
    init_db(make_engine(store))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(DEPLOY / "gunicorn.conf.py"),
            "--print-config",
            "dashboard.wsgi:server",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    config = dict(
        (k.strip(), v.strip())
        for k, _, v in (line.partition("=") for line in run.stdout.splitlines())
    )
    assert config["workers"] == "3" and config["bind"] == "['127.0.0.1:9']"
    assert config["threads"] == "4" and config["max_requests"] == "0"


def test_the_sample_environment_names_only_settings_that_exist():
    from dashboard.settings import Settings

    names = {f"ONEMAP_{f.upper()}" for f in Settings.__dataclass_fields__}
    for example in DEPLOY.glob("*.env.example"):
        lines = example.read_text().splitlines()
        used = {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}
        assert used and used <= names, (example.name, used - names)
    ingest = (DEPLOY / "systemd" / "onemap-ingest@.service").read_text()
    web = (DEPLOY / "systemd" / "onemap-web.service").read_text()
    # each unit reads only the secrets it needs
    assert "web.env" not in ingest and "ingest-" not in web


@pytest.mark.sqlite_only("the binding is decided before the store; the broker is the subject")
def test_a_bound_sensor_is_taken_only_from_its_own_account_through_the_broker(broker, engine):
    """The broker keeps each device to its own topics (above); the ingest keeps a sensor
    bound to an account (接入账号) to that account's topics: GW-002, publishing under its
    own name a reading of GW-001's sensor, is kept aside, and an unbound sensor is taken
    from either."""
    from sqlalchemy import func, select

    from data_loaders.scheduler import poll_mqtt
    from data_loaders.store import session_scope
    from data_loaders.store.schema import Reading, RejectedMessage, Sensor
    from data_loaders.telemetry.alarms import AlarmConfig
    from data_loaders.telemetry.mqtt import MqttSource
    from data_loaders.telemetry.store import SensorDirectory

    with session_scope(engine) as s:
        s.add(Sensor(tag="NH3-A", kind="ammonia", unit="ppm", gateway="GW-001"))
        s.add(Sensor(tag="NH3-FREE", kind="ammonia", unit="ppm"))
    source = MqttSource(
        f"mqtt://onemap-ingest-1:{USERS['onemap-ingest-1']}@127.0.0.1:{broker}",
        "onemap-ingest-1",
        "onemap/telemetry/#",
    )
    devices: dict[str, Client] = {}
    try:
        source.start()
        devices.update((gw, connect(broker, gw, USERS[gw])) for gw in ("GW-001", "GW-002"))
        assert source.subscribed.wait(10)
        now = time.time()
        sent = [  # (account, sensor)
            ("GW-001", "NH3-A"),
            ("GW-002", "NH3-A"),  # its own topic, another account's sensor
            ("GW-002", "NH3-FREE"),
            ("GW-001", "NH3-FREE"),
        ]
        for k, (gw, tag) in enumerate(sent):
            body = orjson.dumps({"sensor": tag, "ts": now - 60 + k, "value": 10.0 + k})
            assert devices[gw].publish(f"onemap/telemetry/{gw}/{tag}", body) == 0
        directory = SensorDirectory()
        deadline = time.monotonic() + 15

        def stored() -> tuple[list[tuple[str, float]], list[str]]:
            with session_scope(engine) as s:
                readings = s.execute(
                    select(Sensor.tag, Reading.value).join(Sensor).order_by(Reading.value)
                ).all()
                reasons = list(s.scalars(select(RejectedMessage.reason)))
            return [tuple(r) for r in readings], reasons

        while time.monotonic() < deadline:
            poll_mqtt(engine, source, directory, AlarmConfig())
            readings, reasons = stored()
            if len(readings) + len(reasons) >= len(sent):
                break
            time.sleep(0.05)
        time.sleep(0.3)
        poll_mqtt(engine, source, directory, AlarmConfig())  # (nothing more comes)
        readings, reasons = stored()
        assert readings == [("NH3-A", 10.0), ("NH3-FREE", 12.0), ("NH3-FREE", 13.0)]
        assert reasons == ["sensor 'NH3-A' reports through account 'GW-001', not 'GW-002'"]
        with session_scope(engine) as s:
            assert s.scalar(select(func.count()).select_from(Reading)) == 3
    finally:
        source.stop()
        for device in devices.values():
            device.close()


def make_certificates(folder: Path) -> Path:
    """A private CA and a server certificate for 127.0.0.1 (signed by it) in `folder`; the
    CA's certificate file."""
    folder.mkdir()

    def openssl(*args: str) -> None:
        run = subprocess.run(
            ["openssl", *args], cwd=folder, capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, f"openssl {args[0]}: {run.stderr}"

    key = ("-newkey", "rsa:2048", "-nodes")
    ca_ext = ("-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=keyCertSign")
    openssl("req", "-x509", *key, *ca_ext, "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "2", "-subj", "/CN=onemap test CA")  # fmt: skip
    openssl("req", *key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.crt", "-days", "2",
            "-extfile", "san.ext")  # fmt: skip
    return folder / "ca.crt"


def tls_client(port: int, user: str, ca: Path | None) -> mqtt.Client:
    """A device on the TLS listener trusting `ca` (None: the system's CAs only), started."""
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5
    )
    client.tls_set(ca_certs=str(ca) if ca else None)
    client.username_pw_set(user, USERS[user])
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def test_the_tls_listener_as_written_takes_devices_and_the_ingest(tmp_path, monkeypatch, caplog):
    """The configuration's TLS listener, uncommented as its comment says: a device and the
    ingest (mqtts://, trusting a private CA through SSL_CERT_FILE) sign in over it. A client
    that does not trust the broker's certificate refuses it (the ingest says so in its log),
    and plain MQTT on that port gets no connection."""
    import contextlib
    import ssl

    from data_loaders.telemetry.mqtt import MqttSource

    for tool in ("openssl", "mosquitto", "mosquitto_passwd"):
        if shutil.which(tool) is None:
            need_service(tool, f"{tool} is not installed")
    port, tls_port = free_port(), free_port()
    conf = broker_conf(tmp_path, port)
    ca = make_certificates(tmp_path / "certs")
    text = conf.read_text()
    for line in ("listener 8883", "certfile", "keyfile"):  # uncommented, as its comment says
        text = text.replace(f"#   {line}", line)
    text = text.replace("listener 8883", f"listener {tls_port} 127.0.0.1")
    assert f"listener {tls_port}" in text and f"certfile {tmp_path}/certs/" in text
    conf.write_text(text)

    def ingest(client_id: str) -> MqttSource:
        source = MqttSource(
            f"mqtts://{client_id}:{USERS[client_id]}@127.0.0.1:{tls_port}",
            client_id,
            "onemap/telemetry/#",
        )
        source.start()
        done.callback(source.stop, 1.0)
        return source

    def stop_client(client: mqtt.Client) -> None:
        client.disconnect()
        client.loop_stop()

    with contextlib.ExitStack() as done:
        # (start_broker waits for the plain listener, which Mosquitto opens after the TLS
        # one: the file names that first)
        broker = start_broker(conf, port)
        done.callback(lambda: broker.wait(10) if broker.poll() is None else None)
        done.callback(broker.kill)
        monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # read when paho's TLS context is made
        source = ingest("onemap-ingest-1")
        assert source.subscribed.wait(10)
        device = tls_client(tls_port, "GW-001", ca)  # a device trusting the CA explicitly
        done.callback(stop_client, device)
        device.publish("onemap/telemetry/GW-001/NH3-1", b'{"v": 1}', qos=1).wait_for_publish(10)
        deadline = time.monotonic() + 10
        got: list[str] = []
        while not got and time.monotonic() < deadline:
            taken = source.take(10)
            source.ack(taken)
            got = [m.topic for m in taken]
            time.sleep(0.05)
        assert got == ["onemap/telemetry/GW-001/NH3-1"]

        monkeypatch.delenv("SSL_CERT_FILE")  # the system's CAs only, which know not ours
        with pytest.raises(ssl.SSLCertVerificationError):
            tls_client(tls_port, "GW-001", None)
        with caplog.at_level("WARNING", logger="onemap.mqtt"):
            refused = ingest("onemap-ingest-2")  # an ingest whose CA file is missing
            deadline = time.monotonic() + 10
            while "cannot connect to 127.0.0.1" not in caplog.text:
                assert time.monotonic() < deadline, "an ingest that cannot connect says nothing"
                time.sleep(0.1)
        assert "over TLS (is the broker's certificate trusted here" in caplog.text
        assert not refused.connected.is_set()
        plain = Client(tls_port, "GW-001", USERS["GW-001"])  # plain MQTT to the TLS port
        done.callback(plain.close)
        assert not plain.connected.wait(2) and plain.connect_code is None
