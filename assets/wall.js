/* The wall screen (/wall/): a kiosk nobody touches, that runs for weeks.

   The server draws; this keeps the screen alive:
   - the clock, every second (China time), from the server's clock (its offset is measured on
     each poll), so the monitors of one wall agree;
   - the tour: the step is the wall clock's (floor(now / step time) mod steps), so every
     monitor shows the same step without talking to the others; the server draws each step;
   - the poll of /wall/state.json: a new data version redraws the figures; the ingest's
     heartbeat says whether data has stopped (stale); no answer is offline (the last data
     stays, with the time of the last update); a new bundle (a server back with other code)
     reloads the page; a revoked wall link goes to /wall/signed-out;
   - the alarms that take the screen over (open level-2 or escalated ones, most serious
     first): the first one holds the screen until it leaves the queue (acknowledged anywhere)
     or its time is up, then the next, then the tour again.
   The root element says which: data-wall-state = tour | alarm | stale | offline.
   Nothing here keeps more than the current queue: a screen that runs for weeks stays flat. */
(function () {
  "use strict";
  const ns = (window.onemap = window.onemap || {});
  ns.scale = 1.5;  // the map's symbols, read from across the room (onemap.js)
  const root = document.documentElement;
  let conf = null;
  let offset = 0;  // server clock - this clock, in ms
  let health = "ok";  // ok | stale | offline
  let ingest = null;
  let lastOk = null;  // when the server last answered (this clock)
  let seenVersion = null;
  let queue = [];
  let steps = 1;
  let step = null;
  let holding = null;  // {id, since}: the alarm that holds the screen
  let pollTimer = null;
  let tickTimer = null;
  let banner = "";

  function set(id, props) { window.dash_clientside.set_props(id, props); }
  function now() { return Date.now() + offset; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  /* China time (UTC+8, no daylight saving) of a moment in ms. */
  function china(ms, withDate) {
    const d = new Date(ms + 8 * 3600 * 1000);
    const time = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
    if (!withDate) return time;
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " + time;
  }

  function wallState() {
    if (health === "offline") return "offline";
    if (holding) return "alarm";
    if (health === "stale") return "stale";
    return "tour";
  }
  function showState() {
    const state = wallState();
    if (root.getAttribute("data-wall-state") !== state) root.setAttribute("data-wall-state", state);
    let text = "";
    if (health === "offline") {
      text = conf.texts.offline.replace("{at}", lastOk ? china(lastOk + offset, true) : "—");
    } else if (ingest && ingest.stale) {
      text = ingest.at ? conf.texts.stale.replace("{at}", china(Date.parse(ingest.at), true))
        : conf.texts.stale_never;
    }
    if (text !== banner) {
      banner = text;
      set("wall-banner", { children: text, className: text ? "wall-banner on " + health : "wall-banner" });
    }
  }

  /* --- the alarms that take the screen over ---------------------------------------------- */
  /* An alarm is a new one for the screen when it first appears, and again when it escalates
     or rises a level (its key changes): it then holds the screen (and sounds) once more. When
     each key first held the screen is kept in sessionStorage, so a reload (a new bundle, the
     nightly refresh) neither sounds again nor holds longer. */
  function keyOf(a) { return a.id + ":" + a.level + ":" + (a.escalated ? 1 : 0); }
  let seen = {};  // key -> when it first held the screen (server clock, ms)
  try { seen = JSON.parse(sessionStorage.getItem("onemap-wall-seen") || "{}") || {}; } catch (e) { seen = {}; }
  function keep() {
    try { sessionStorage.setItem("onemap-wall-seen", JSON.stringify(seen)); } catch (e) { /* full: the screen still works */ }
  }
  function decide() {
    const keys = {};
    queue.forEach(function (a) { keys[keyOf(a)] = true; });
    // forget what left the queue (acknowledged, closed, escalated): nothing grows over weeks
    let pruned = false;
    Object.keys(seen).forEach(function (k) { if (!keys[k]) { delete seen[k]; pruned = true; } });
    const t = now();
    const waiting = queue.filter(function (a) {
      const at = seen[keyOf(a)];
      return at === undefined || t - at <= conf.alarm_ms;  // its time is up: the next, or the tour
    });
    const top = waiting[0] || null;
    if (top && seen[keyOf(top)] === undefined) {
      seen[keyOf(top)] = t;
      if (ns.alarmTone) ns.alarmTone();
      pruned = true;
    }
    if (pruned) keep();
    holding = top ? { id: top.id, since: seen[keyOf(top)] } : null;
    const focus = top ? { id: top.id, more: waiting.length - 1 } : null;
    const shown = JSON.stringify(focus);
    if (shown !== decide.shown) {
      decide.shown = shown;
      set("wall-focus", { data: focus });
    }
  }
  decide.shown = "null";

  /* --- the tour ----------------------------------------------------------------------------- */
  /* Once a night, at a quiet hour on the tour, the page is loaded anew: Dash's renderer keeps
     every change of a callback input made in the browser (each tour step, each poll's
     version, the map's moves) in its undo history, which nothing empties. */
  const started = Date.now();
  function nightly(t) {
    const hour = new Date(t + 8 * 3600 * 1000).getUTCHours();
    if (conf.reload_hour < 0 || hour !== conf.reload_hour) return;
    if (Date.now() - started < 2 * 3600 * 1000 || wallState() !== "tour") return;
    reload();
  }
  function tick() {
    const t = now();
    set("wall-clock", { children: china(t, true) });
    if (holding && t - holding.since > conf.alarm_ms) decide();
    nightly(t);
    if (health !== "offline" && !holding) {
      const i = Math.floor(t / conf.tour_ms) % steps;
      if (i !== step) {
        step = i;
        set("wall-step", { data: i });
      }
    }
    const left = (t % conf.tour_ms) / conf.tour_ms;
    set("wall-progress", { style: { width: (holding ? 100 : Math.round(left * 1000) / 10) + "%" } });
    showState();
  }

  /* --- the poll ----------------------------------------------------------------------------- */
  function schedule() {
    clearTimeout(pollTimer);
    // away: ask again soon (within a few seconds of the server coming back)
    const wait = health === "offline" ? Math.min(conf.poll_ms, 3000) : conf.poll_ms;
    pollTimer = setTimeout(poll, wait);
  }
  function offline() {
    health = "offline";
    showState();
    schedule();
  }
  function poll() {
    const control = new AbortController();
    const timer = setTimeout(function () { control.abort(); }, Math.max(5000, conf.poll_ms));
    fetch(conf.state_url, {
      cache: "no-store", credentials: "same-origin", signal: control.signal,
      headers: { Accept: "application/json" },
    }).then(function (response) {
      clearTimeout(timer);
      if (response.status === 401 || response.status === 403) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          // a revoked wall link, or a signed-in user whose session ended
          const here = location.pathname + location.search;
          location.replace(body && body.signed_out ? "/wall/signed-out"
            : "/login?next=" + encodeURIComponent(here));
        });
      }
      if (!response.ok) return offline();
      return response.json().then(received);
    }).catch(function () {
      // no answer, or an answer this page could not handle: away, and asked again soon
      clearTimeout(timer);
      offline();
    });
  }
  /* Reload, but only to a page the server serves (an error page has no script, and the
     screen would never come back by itself). */
  function reload() {
    fetch(location.href, { cache: "no-store", credentials: "same-origin" }).then(function (r) {
      if (r.ok) location.reload();
      else offline();
    }, offline);
  }
  let newBuild = null;
  function received(doc) {
    if (doc.build !== conf.build) {
      // another bundle (the server is back with other code): this page is old code. Seen
      // twice in a row, so servers of two builds behind one address do not reload it on
      // every poll.
      if (newBuild === doc.build) {
        reload();
        return;
      }
      newBuild = doc.build;
      schedule();
      return;
    }
    newBuild = null;
    const wasOffline = health === "offline";
    offset = doc.now_ms - Date.now();
    lastOk = Date.now();
    ingest = doc.ingest;
    health = ingest && ingest.stale ? "stale" : "ok";
    steps = Math.max(1, doc.steps || 1);
    queue = doc.queue || [];
    if (doc.version !== seenVersion || wasOffline) {
      seenVersion = doc.version;
      set("wall-version", { data: doc.version + (wasOffline ? "|" + lastOk : "") });
    }
    decide();
    showState();
    schedule();
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    onemap_wall: {
      /* The page is drawn: start (again, for a page drawn anew) on its conf. */
      start: function (c) {
        if (!c) return window.dash_clientside.no_update;
        conf = c;
        steps = Math.max(1, c.steps || 1);
        step = c.step;
        seenVersion = c.version;
        lastOk = Date.now();
        root.classList.add("wall-page");
        clearInterval(tickTimer);
        tickTimer = setInterval(tick, 1000);
        tick();
        poll();
        return Date.now();
      },
      /* The map spec -> the layers, as on the command page (the spec is the URL's here). */
      apply: function (spec, tick, zoom, bounds) {  // (Dash passes the inputs, then the states)
        // a screen without the map (alarms, panels): its hidden map never moves
        const shown = spec && !spec.off ? spec : null;
        return window.dash_clientside.onemap_map.apply(shown, zoom, bounds, tick, shown ? shown.search : "");
      },
    },
  });
  ns.wall = function () {
    return { state: wallState(), step: step, steps: steps, holding: holding && holding.id,
             queue: queue.map(function (a) { return a.id; }), offset: offset };
  };
})();
