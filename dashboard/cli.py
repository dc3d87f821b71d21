"""The `onemap` command (also `python -m dashboard`)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click
import orjson

from dashboard.settings import Settings, describe
from data_loaders.vocab import IMPORT_KINDS

# The importable kinds' names (data_loaders.importers.KINDS is built from the same list): from
# vocab, so that `onemap --help` does not have to load geopandas.
KIND_CHOICE = click.Choice(list(IMPORT_KINDS))
# The committee review's workbook goes out and comes back filled in: not a kind of data.
REVIEW_OUT, REVIEW_BACK = "committee-review", "committee-progress"


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def _engine(ctx: click.Context):  # type: ignore[no-untyped-def]
    from data_loaders.store import make_engine

    if "engine" not in ctx.obj:
        ctx.obj["engine"] = make_engine(_settings(ctx).db_url)
    return ctx.obj["engine"]


def _say(message: str) -> None:
    click.echo(f"[{time.strftime('%H:%M:%S')}] {message}", err=True)


def _settings_help() -> str:
    return "\n\n".join(
        f"{name} (default {default!r}): {help}" for name, default, help in describe()
    )


@click.group(epilog="Settings (environment variables):\n\n" + _settings_help())
@click.pass_context
def main(ctx: click.Context) -> None:
    """应急一张图 the emergency one-map: demo city, imports, exports, stats, web and ingest."""
    ctx.ensure_object(dict)
    ctx.obj["settings"] = Settings.from_env()


@main.command("init-db")
@click.pass_context
def init_db_cmd(ctx: click.Context) -> None:
    """Create or upgrade the schema to the newest migration (Alembic)."""
    from data_loaders.store import init_db

    init_db(_engine(ctx))
    _say(f"schema is up to date in {_engine(ctx).url.render_as_string(hide_password=True)}")


@main.command()
@click.option(
    "--seed", default=7, show_default=True, help="Random seed: the same seed, the same city."
)
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    help="Multiply enterprises, villages, hidden dangers, sensors.",
)
@click.option(
    "--replace", is_flag=True, help="Delete the city already in the store first (users stay)."
)
@click.pass_context
def demo(ctx: click.Context, seed: int, scale: float, replace: bool) -> None:
    """Create the schema and fill the demo city (Rui'an-sized; the reference figures at scale 1)."""
    from data_loaders.demo.city import build_city, replace_city
    from data_loaders.store import init_db

    engine = _engine(ctx)
    if replace:
        init_db(engine)
        replace_city(engine)
        _say("removed the previous city")
    started = time.perf_counter()
    try:
        build_city(engine, seed=seed, scale=scale, progress=_say)
    except RuntimeError as exc:
        raise click.ClickException(f"{exc} / 库中已有数据；如需重建请加 --replace") from None
    _say(f"demo city ready in {time.perf_counter() - started:.1f} s")


@main.command("import")
@click.argument(
    "kind",
    type=click.Choice([*IMPORT_KINDS, REVIEW_BACK]),
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--crs",
    default=None,
    help="CRS of the file's coordinates when it has no .prj (e.g. EPSG:4549).",
)
@click.option(
    "--coords",
    "datum",
    default="wgs84",
    type=click.Choice(["wgs84", "gcj02", "bd09"]),
    show_default=True,
    help="Datum of lon/lat: Gaode/Tencent maps are gcj02, Baidu bd09.",
)
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@click.option(
    "--as",
    "actor",
    default=None,
    help=f"{REVIEW_BACK}: the operator who imports it (a user name; the changes are theirs).",
)
@click.pass_context
def import_cmd(
    ctx: click.Context,
    kind: str,
    file: str,
    crs: str | None,
    datum: str,
    dry_run: bool,
    actor: str | None,
) -> None:
    """Import a file (CSV, XLSX, GeoJSON, Shapefile, GeoPackage): all rows or none.
    `committee-progress FILE.xlsx --as USER`: a returned committee-review workbook (the
    owner units' 状态, 进度, 进展情况, 佐证材料), recorded as USER's task changes."""
    from data_loaders.importers import FileProblem, ImportRejected, import_file
    from data_loaders.store import init_db

    engine = _engine(ctx)
    init_db(engine)
    if kind == REVIEW_BACK:
        _import_progress(engine, file, actor, dry_run)
        return
    if actor is not None:
        click.echo(f"Error: --as is for {REVIEW_BACK} only", err=True)
        sys.exit(2)
    try:
        report = import_file(
            engine,
            kind,
            file,
            crs=crs,
            datum=datum,
            dry_run=dry_run,
            progress=_say,
            substances_file=_settings(ctx).substances_file or None,
        )
    except ImportRejected as exc:
        click.echo(
            f"{Path(file).name}：发现 {len(exc.errors)} 处问题，未写入任何数据 / "
            f"{len(exc.errors)} problem(s) found, nothing written:",
            err=True,
        )
        for error in exc.errors[:500]:
            click.echo(f"  {error}", err=True)
        if len(exc.errors) > 500:
            click.echo(
                f"  … 另有 {len(exc.errors) - 500} 处 / {len(exc.errors) - 500} more", err=True
            )
        sys.exit(2)
    except FileProblem as exc:
        click.echo(f"{Path(file).name}: {exc}", err=True)
        sys.exit(2)
    for note in report.notes:
        _say(note)
    verb = "would import" if report.dry_run else "imported"
    click.echo(
        f"{verb} {report.rows} rows of {kind}: {report.inserted} new, {report.updated} updated"
    )


def _import_progress(engine, file: str, actor: str | None, dry_run: bool) -> None:  # type: ignore[no-untyped-def]
    """`onemap import committee-progress FILE.xlsx --as USER [--dry-run]`."""
    from data_loaders.files import FileProblem
    from data_loaders.importers.committee_progress import import_progress
    from data_loaders.store import session_scope
    from data_loaders.users import has_role, role_of

    if not actor:
        click.echo(f"Error: {REVIEW_BACK} needs --as USER (an operator or admin)", err=True)
        sys.exit(2)
    with session_scope(engine) as session:
        role = role_of(session, actor)
    if role is None:
        click.echo(f"Error: no user {actor!r} (add one with `onemap users add`)", err=True)
        sys.exit(2)
    if not has_role(role, "operator"):
        click.echo(f"Error: {actor} is a {role}: importing needs the operator role", err=True)
        sys.exit(2)
    name = Path(file).name
    try:
        result = import_progress(engine, file, name, actor, role, datetime.now(UTC), dry_run)
    except FileProblem as exc:
        click.echo(f"{name}: {exc}", err=True)
        sys.exit(2)
    verb = "would change" if result.dry_run else "changed"
    click.echo(
        f"{name}: {result.rows} task rows read, {verb} {result.changed}, "
        f"{result.unchanged} unchanged" + (f": {', '.join(result.codes)}" if result.codes else "")
    )


@main.command("export")
@click.argument(
    "kind",
    type=click.Choice([*IMPORT_KINDS, REVIEW_OUT]),
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--headers",
    default="en",
    type=click.Choice(["en", "zh"]),
    show_default=True,
    help="Column names in English or Chinese (import reads both).",
)
@click.option(
    "--committee",
    default=None,
    help=f"{REVIEW_OUT}: one committee's code (default all, a sheet each).",
)
@click.option(
    "--since",
    default=None,
    help=f"{REVIEW_OUT}: the review's start day, YYYY-MM-DD (default each committee's last "
    "review meeting, else the quarter's first day).",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Default ONEMAP_LANG.")
@click.pass_context
def export_cmd(
    ctx: click.Context,
    kind: str,
    file: str,
    headers: str,
    committee: str | None,
    since: str | None,
    lang: str | None,
) -> None:
    """Write a kind to CSV, XLSX, GeoJSON or GeoPackage by the file's extension (.csv, .xlsx,
    .geojson, .gpkg; WGS84); import reads it back. `committee-review FILE.xlsx`: the committee
    review workbook the owner units fill in (`import committee-progress` reads it back)."""
    from data_loaders.files import FileProblem
    from data_loaders.importers import export_kind

    if kind == REVIEW_OUT:
        _export_review(ctx, file, committee, since, lang)
        return
    if committee is not None or since is not None:
        click.echo(f"Error: --committee and --since are for {REVIEW_OUT} only", err=True)
        ctx.exit(2)
    try:
        n = export_kind(_engine(ctx), kind, file, headers=headers)
    except FileProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {n} rows of {kind} to {file}")


def _export_review(
    ctx: click.Context, file: str, committee: str | None, since: str | None, lang: str | None
) -> None:
    """`onemap export committee-review FILE.xlsx [--committee CODE] [--since YYYY-MM-DD]`."""
    from datetime import date

    from data_loaders.files import write_atomic
    from data_loaders.store import session_scope
    from data_loaders.times import china_today
    from read_models.documents.review_workbook import review_workbook
    from read_models.review import UnknownCommittee, load_review

    if Path(file).suffix.lower() != ".xlsx":
        click.echo(f"Error: {REVIEW_OUT} is written as .xlsx, not {file}", err=True)
        ctx.exit(2)
    try:
        day = date.fromisoformat(since) if since else None
    except ValueError:
        click.echo(f"Error: --since {since!r} is not a date (YYYY-MM-DD)", err=True)
        ctx.exit(2)
    now = datetime.now(UTC)
    if day is not None and not date(2000, 1, 1) <= day <= china_today(now):
        click.echo(f"Error: --since {since} is not from 2000-01-01 to today", err=True)
        ctx.exit(2)
    try:
        with session_scope(_engine(ctx)) as session:
            doc = load_review(session, committee, day, china_today(now))
    except UnknownCommittee:
        click.echo(f"Error: no committee {committee!r}", err=True)
        ctx.exit(2)
    body = review_workbook(doc, lang or _settings(ctx).lang, now)
    write_atomic(Path(file), body)
    tasks = sum(len(c["tasks"]) for c in doc["committees"])
    click.echo(f"wrote {len(doc['committees'])} committee sheet(s), {tasks} tasks, to {file}")


@main.command()
def columns() -> None:
    """Print the columns each import kind accepts (English or Chinese headers)."""
    from data_loaders.importers.kinds import columns_markdown

    click.echo(columns_markdown())


@main.command()
@click.option("--grid", "grid_code", default=None, help="A grid code; default the county.")
@click.option("--json", "as_json", is_flag=True, help="Print the KPI document as JSON.")
@click.pass_context
def stats(ctx: click.Context, grid_code: str | None, as_json: bool) -> None:
    """Print the KPI figures for the county or one grid (everything inside it rolls up)."""
    from data_loaders.store import session_scope
    from read_models.grids import UnknownGrid
    from read_models.stats import load_stats

    with session_scope(_engine(ctx)) as session:
        try:
            doc = load_stats(session, grid_code)
        except UnknownGrid:
            raise click.ClickException(f"找不到网格 {grid_code} / no grid {grid_code}") from None
    if as_json:
        click.echo(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        return
    from dashboard.i18n import format_stats

    click.echo(format_stats(doc, _settings(ctx).lang))


@main.command()
@click.option("--grid", "grid_code", default=None, help="A grid code; default the county.")
@click.option(
    "--period", required=True, help="2026-11 (a month), 2026-Q4 (a quarter) or 2026-W47 (a week)."
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="FILE.pdf or FILE.docx: the extension picks the format.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Default ONEMAP_LANG.")
@click.pass_context
def briefing(
    ctx: click.Context, grid_code: str | None, period: str, out: str, lang: str | None
) -> None:
    """Write the leadership briefing (领导汇报) of the county or a grid for a period."""
    from data_loaders.files import write_atomic
    from data_loaders.periods import BadPeriod, parse_period
    from data_loaders.store import session_scope
    from data_loaders.times import china_today
    from read_models.documents.briefing_files import FORMATS, make_briefing
    from read_models.documents.pdf import FontMissing
    from read_models.grids import UnknownGrid

    fmt = Path(out).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise click.ClickException(
            f"输出文件须为 .pdf 或 .docx：{out} / --out must end in .pdf or .docx"
        )
    now = datetime.now(UTC)
    try:
        chosen = parse_period(period, china_today(now))
    except BadPeriod as exc:
        raise click.ClickException(f"统计期有误 / bad period: {exc}") from None
    settings = _settings(ctx)
    try:
        with session_scope(_engine(ctx)) as session:
            body, _doc = make_briefing(
                session,
                grid_code,
                chosen,
                now,
                fmt,
                lang or settings.lang,
                settings.ranking_config(),
            )
    except UnknownGrid:
        raise click.ClickException(f"找不到网格 {grid_code} / no grid {grid_code}") from None
    except FontMissing as exc:
        raise click.ClickException(str(exc)) from None
    write_atomic(Path(out), body)
    click.echo(f"{out}: {len(body):,} bytes")


@main.group()
def users() -> None:
    """Manage users (roles: viewer, operator, admin)."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["viewer", "operator", "admin"]))
@click.option("--password", default=None, help="Omit to be asked (not echoed).")
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, password: str | None) -> None:
    """Add a user, or reset an existing user's role and password."""
    from dashboard.auth import hash_password
    from data_loaders.store import init_db, session_scope
    from data_loaders.users import save_user

    if password is None:
        password = click.prompt("Password / 密码", hide_input=True, confirmation_prompt=True)
    try:
        hashed = hash_password(password)
    except ValueError as exc:  # a bad input, like a bad file: exit code 2
        click.echo(f"Error: {exc}", err=True)
        ctx.exit(2)
    init_db(_engine(ctx))
    with session_scope(_engine(ctx)) as session:
        created = save_user(session, name, role, hashed)
    click.echo(f"{'added' if created else 'updated'} user {name} ({role})")


@main.group("wall-link")
def wall_link() -> None:
    """Wall links (大屏链接): a password-less, read-only sign-in for a video-wall screen."""


@wall_link.command("create")
@click.argument("name")
@click.option("--url", "base", default=None, help="The site's address (default host:port).")
@click.pass_context
def wall_link_create(ctx: click.Context, name: str, base: str | None) -> None:
    """Create a link for screen NAME and print it (shown once: only its hash is kept)."""
    from data_loaders.store import init_db, session_scope
    from data_loaders.walls import create_wall_link

    settings = _settings(ctx)
    base = (base or f"http://{settings.host}:{settings.port}").rstrip("/")
    init_db(_engine(ctx))
    try:
        with session_scope(_engine(ctx)) as session:
            token = create_wall_link(session, name, datetime.now(UTC))
    except ValueError as exc:
        click.echo(f"Error: {exc}", err=True)
        ctx.exit(2)
    # the link on stdout (a script may keep it), the hint beside it on stderr
    click.echo(f"{base}/wall/link/{token}")
    click.echo(
        "此链接只显示一次，打开即以只读大屏身份登录 / "
        "the link is shown once; opening it signs that browser in read-only, for the wall only",
        err=True,
    )


@wall_link.command("list")
@click.pass_context
def wall_link_list(ctx: click.Context) -> None:
    """List the wall links (China time): name, created, last seen, state."""
    from data_loaders.store import init_db, session_scope
    from data_loaders.walls import list_wall_links

    init_db(_engine(ctx))
    with session_scope(_engine(ctx)) as session:
        links = list_wall_links(session)
    rows = [("name", "created", "last seen", "state")]
    for link in links:
        state = "已注销 revoked" if link["revoked_at"] else "有效 active"
        created, seen = _china_time(link["created_at"]), _china_time(link["last_seen_at"])
        rows.append((link["name"], created, seen, state))
    widths = [max(_width(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [
            cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)
        ]
        click.echo("  ".join(cells).rstrip())


@wall_link.command("revoke")
@click.argument("name")
@click.pass_context
def wall_link_revoke(ctx: click.Context, name: str) -> None:
    """Revoke screen NAME's link: the screen is signed out at its next poll."""
    from data_loaders.store import init_db, session_scope
    from data_loaders.walls import revoke_wall_link

    init_db(_engine(ctx))
    with session_scope(_engine(ctx)) as session:
        revoked = revoke_wall_link(session, name, datetime.now(UTC))
    if not revoked:
        click.echo(f"没有名为 {name} 的有效大屏链接 / no live wall link named {name}", err=True)
        ctx.exit(1)
    click.echo(f"revoked wall link {name} / 已注销大屏链接 {name}")


def _china_time(value: datetime | None) -> str:
    """A stored time as China time to the minute; - for none."""
    from data_loaders.times import CHINA, as_utc

    value = as_utc(value)
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else "-"


def _width(text: str) -> int:
    """Columns a text takes in a terminal (a CJK character takes two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@main.group()
def drill() -> None:
    """Emergency drills (应急演练): play a scenario into an open drill."""


@drill.command("play")
@click.argument("incident", type=click.IntRange(1, 2**31 - 1))
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--as", "actor", required=True, help="The operator who runs it (a user name).")
@click.option("--speed", default=1.0, type=click.FloatRange(0.1, 100), help="Faster than life.")
@click.pass_context
def drill_play(
    ctx: click.Context, incident: int, scenario: str | None, actor: str, speed: float
) -> None:
    """Inject a scenario's readings (offset_s, sensor, value; default the demo's ammonia
    leak) into open drill INCIDENT as they would come: the real alarm rules run, every
    reading and alarm is drill data."""
    from data_loaders.actions.alarms import NotAllowed
    from data_loaders.actions.incidents import IncidentError, NoSuchIncident, play_scenario
    from data_loaders.files import FileProblem
    from data_loaders.store import session_scope
    from data_loaders.telemetry.scenario import DEMO_SCENARIO, parse_scenario
    from data_loaders.users import role_of

    try:
        steps = parse_scenario(scenario or DEMO_SCENARIO)
    except FileProblem as exc:
        click.echo(f"Error: {exc}", err=True)
        ctx.exit(2)
    with session_scope(_engine(ctx)) as session:
        role = role_of(session, actor)
    try:
        n = play_scenario(_engine(ctx), actor, role, incident, steps, speed, say=_say)
    except NotAllowed as exc:
        click.echo(f"Error: {exc}", err=True)
        ctx.exit(2)
    except NoSuchIncident:
        click.echo(f"Error: no incident {incident}", err=True)
        ctx.exit(2)
    except IncidentError as exc:
        click.echo(f"Error: {exc.message_zh} / {exc.message_en}", err=True)
        ctx.exit(2)
    click.echo(f"{n} readings injected into drill {incident}")


@main.command()
@click.option("--host", default=None, help="Listen address (default ONEMAP_HOST).")
@click.option("--port", default=None, type=int, help="Port (default ONEMAP_PORT).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the dashboard (for production run gunicorn 'dashboard.wsgi:server')."""
    from dashboard.app import create_app
    from data_loaders.store import init_db

    settings = _settings(ctx)
    init_db(_engine(ctx))
    app = create_app(settings, engine=_engine(ctx))
    host, port = host or settings.host, port or settings.port
    _say(f"serving on http://{host}:{port}")
    app.run(host=host, port=port, debug=False, threaded=True)


@main.command()
@click.option(
    "--parent-pid",
    type=click.IntRange(1),
    default=None,
    help="Stop when this process is gone (onemap run passes its own).",
)
@click.pass_context
def ingest(ctx: click.Context, parent_pid: int | None) -> None:
    """Run the ingest scheduler (telemetry sources, alarm rules, housekeeping)."""
    from data_loaders.scheduler import ClientIdTaken, Ingest
    from data_loaders.store import init_db

    settings = _settings(ctx)
    init_db(_engine(ctx))
    config = settings.ingest_config(parent_pid)
    hourly = []
    if settings.briefing_dir:
        from read_models.documents.briefing_jobs import poll_briefings

        folder, engine, ranking = (
            Path(settings.briefing_dir),
            _engine(ctx),
            settings.ranking_config(),
        )

        def monthly_briefings(now: datetime) -> None:
            poll_briefings(engine, folder, now, settings.lang, ranking)

        hourly.append(monthly_briefings)
    process = Ingest(_engine(ctx), config, hourly=hourly)

    def stop(*_args: object) -> None:
        process.shutdown()

    # Explicit handlers: a process started from a background shell inherits an ignored SIGINT.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sources = [
        name
        for name, on in (
            (
                f"mqtt (shared group {config.mqtt_group})" if config.mqtt_group else "mqtt",
                config.mqtt_url,
            ),
            ("files", config.drop_dir),
            ("simulator", config.simulator),
        )
        if on
    ]
    _say(f"ingest scheduler started; sources: {', '.join(sources) or 'HTTP only'}")
    if _engine(ctx).dialect.name == "postgresql":
        # several processes may share the store: the cluster-wide jobs go to one of them
        _say("cluster-wide jobs (offline, escalation, retention, files, simulator): the leader's")
    try:
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            process.start()
    except ClientIdTaken as exc:
        _say(f"refusing to start: {exc}")
        ctx.exit(2)
    _say("ingest scheduler stopped")


DEMO_USERS = (("admin", "admin"), ("duty", "operator"), ("screen", "viewer"))


def _demo_users(engine) -> None:  # type: ignore[no-untyped-def]
    """A store without users gets one per role, with random passwords shown once and kept in
    var/demo-users.txt (readable by this user only): no password is ever built in."""
    import secrets

    from sqlalchemy import func, select

    from dashboard.auth import hash_password
    from dashboard.settings import PROJECT_DIR
    from data_loaders.store import session_scope
    from data_loaders.store.schema import User
    from data_loaders.users import save_user

    with session_scope(engine) as session:
        if session.scalar(select(func.count()).select_from(User)):
            return
        lines = []
        for name, role in DEMO_USERS:
            password = secrets.token_urlsafe(9)
            save_user(session, name, role, hash_password(password))
            lines.append(f"{name:8} {role:9} {password}")
    path = PROJECT_DIR / "var" / "demo-users.txt"
    path.parent.mkdir(exist_ok=True)
    path.touch(mode=0o600)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _say("no users yet: created one per role (also in var/demo-users.txt):")
    for line in lines:
        _say("  " + line)


@main.command()
@click.option("--host", default=None, help="Listen address (default ONEMAP_HOST).")
@click.option("--port", default=None, type=int, help="Port (default ONEMAP_PORT).")
@click.pass_context
def run(ctx: click.Context, host: str | None, port: int | None) -> None:
    """The one-command demo: fill the demo city if the store is empty, then ingest + serve."""
    from data_loaders.demo.city import build_city
    from data_loaders.store import init_db, session_scope
    from read_models.stats import is_empty

    settings = _settings(ctx)
    engine = _engine(ctx)
    init_db(engine)
    with session_scope(engine) as session:
        empty = is_empty(session)
    if empty and settings.demo_on_empty:
        _say("the store is empty: building the demo city")
        build_city(engine, progress=_say)
    _demo_users(engine)
    # The scheduler runs in its own process, never inside the web server; it stops by itself
    # when this process is gone (even killed with SIGKILL).
    worker = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "ingest", "--parent-pid", str(os.getpid())]
    )
    # SIGTERM (a service manager, `timeout`) and SIGINT (Ctrl-C; explicit, since a process
    # started from a background shell inherits an ignored SIGINT) stop the scheduler too.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(0))
    try:
        ctx.invoke(serve, host=host, port=port)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


if __name__ == "__main__":
    main()
