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
  let expired = {};  // alarms whose time is up (kept only while they stay in the queue)
  let toned = {};  // alarms already announced (kept only while in the queue)
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
  function decide() {
    const ids = {};
    queue.forEach(function (a) { ids[a.id] = true; });
    // forget what left the queue (acknowledged, closed): nothing grows over weeks
    Object.keys(expired).forEach(function (k) { if (!ids[k]) delete expired[k]; });
    Object.keys(toned).forEach(function (k) { if (!ids[k]) delete toned[k]; });
    if (holding && (!ids[holding.id] || now() - holding.since > conf.alarm_ms)) {
      if (ids[holding.id]) expired[holding.id] = true;  // its time is up: the next, or the tour
      holding = null;
    }
    const waiting = queue.filter(function (a) { return !expired[a.id]; });
    let focus;
    if (!holding && waiting.length) {
      holding = { id: waiting[0].id, since: now() };
      if (!toned[holding.id] && ns.alarmTone) ns.alarmTone();
      toned[holding.id] = true;
    }
    if (holding) {
      const more = waiting.filter(function (a) { return a.id !== holding.id; }).length;
      focus = { id: holding.id, more: more };
    } else {
      focus = null;
    }
    const key = JSON.stringify(focus);
    if (key !== decide.shown) {
      decide.shown = key;
      set("wall-focus", { data: focus });
    }
  }
  decide.shown = "null";

  /* --- the tour ----------------------------------------------------------------------------- */
  function tick() {
    const t = now();
    set("wall-clock", { children: china(t, true) });
    if (holding && t - holding.since > conf.alarm_ms) decide();
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
      return response.json().then(received, offline);
    }, function () {
      clearTimeout(timer);
      offline();
    });
  }
  function received(doc) {
    if (doc.build !== conf.build) {
      location.reload();  // the server is back with another bundle: this page is old code
      return;
    }
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
      apply: function (spec, zoom, bounds, tick) {
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
