/* The one-map, drawn by the page itself: it starts with the HTML (the server puts the map's
   spec for the page's URL in #map-boot), not after Dash has booted, so the map paints in a
   fraction of the time Dash needs for its first callback. Enterprise clusters come made from
   the server, so the browser never indexes 20,000 (or 200,000) points. Dash drives it afterwards through
   the map-spec store (a clientside callback calls onemap_map.apply) and hears its clicks
   through the map-event store (set_props).

   Text that comes from data is only ever set with textContent. */
(function () {
  "use strict";
  const ns = (window.onemap = window.onemap || {});
  const CLASS_COLORS = { green: "#2e9e4f", blue: "#2f6fdb", yellow: "#f0b400", red: "#d93025" };
  const RANK_CLASS = ["green", "blue", "yellow", "red"];
  // The order the layers are set in (drawing order comes from panes, not from this): the
  // enterprises' clusters first, the only layer the page could not preload.
  const ORDER = ["enterprises", "grids", "major_hazards", "listed_dangers", "alarms"];
  const el = document.getElementById("map");
  const boot = JSON.parse(document.getElementById("map-boot").textContent);
  let labels = boot.labels || {};

  /* An element whose text lines come from data: safe against markup in names. */
  function textBlock(lines) {
    const box = document.createElement("div");
    lines.forEach(function (line, i) {
      const item = document.createElement(i === 0 ? "strong" : "div");
      item.textContent = line;
      box.appendChild(item);
    });
    return box;
  }
  ns.textBlock = textBlock;

  function label(key, fallback) {
    return labels[key] || fallback || key;
  }

  /* --- readiness: data-map-ready on the map container --------------------------------- */
  // Busy = layer loads and their drawing, moves to a new view, and Dash updates that may
  // change the spec. Ready = nothing busy for 20 ms (a back/forward chains the URL into a
  // draw_map call), then two frames so the canvas has painted. The attribute is only written
  // when it changes; it is false from the map's start until the first view has drawn.
  let busy = 0;
  let dashBusy = 0;
  let dashUp = false;  // Dash has called onemap_map.apply once
  let settleTimer = null;
  function setReady(value) {
    const want = value ? "true" : "false";
    if (el.getAttribute("data-map-ready") !== want) el.setAttribute("data-map-ready", want);
    if (value) setTimeout(startDash, 0);  // a task of its own: the attribute is seen at once
  }
  function begin() {
    busy += 1;
    clearTimeout(settleTimer);
    setReady(false);
  }
  function settle() {
    clearTimeout(settleTimer);
    if (!dashUp) {  // no Dash update can be in flight before Dash has started
      if (!busy) paintedThenReady();
      return;
    }
    settleTimer = setTimeout(function () {
      if (!busy && !dashBusy) paintedThenReady();
    }, 20);
  }
  function paintedThenReady() {
    requestAnimationFrame(function () {
      requestAnimationFrame(function () { if (!busy && !dashBusy) setReady(true); });
    });
  }
  function end() {
    busy = Math.max(0, busy - 1);
    settle();
  }
  ns.readiness = function () { return { busy: busy, dash: dashBusy }; };
  // A Dash update counts when it may give a new spec: its outputs name map-spec and a user
  // action or new data set it off. Not counted: a call set off only by the URL (Dash's start,
  // or back/forward, where the clientside gate asks draw_map, which counts), and calls of
  // links that were just drawn (their n_clicks are still null).
  function changesMap(body) {
    if (body.indexOf('"map-spec') < 0) return false;
    try {
      const doc = JSON.parse(body);
      if (!doc.changedPropIds) return true;  // not a body Dash 4 sends: count it, to be safe
      const changed = (doc.changedPropIds || []).filter(function (p) { return p !== "url.search"; });
      if (!changed.length) return false;
      const unclicked = {};  // pattern inputs (links) with no value yet
      [].concat.apply([], (doc.inputs || []).map(function (i) { return Array.isArray(i) ? i : [i]; }))
        .forEach(function (i) {
          if (typeof i.id === "string" || (i.value !== null && i.value !== undefined)) return;
          unclicked[JSON.stringify(i.id, Object.keys(i.id).sort()) + "." + i.property] = true;
        });
      return changed.some(function (p) { return !unclicked[p]; });
    } catch (e) {
      return true;
    }
  }
  const newestCall = {};  // callback (its outputs) -> number of its newest call
  function callerOf(body) {
    try {
      return JSON.parse(body).output || "";
    } catch (e) {
      return "";
    }
  }
  const originalFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : (input && input.url) || "";
    const mapUpdate = url.indexOf("_dash-update-component") >= 0 && init &&
      typeof init.body === "string" && changesMap(init.body);
    if (!mapUpdate) return originalFetch(input, init);
    // Dash uses only the newest answer of a callback called again before it answered (an
    // older one arriving late is dropped); the map does the same
    const caller = callerOf(init.body);
    const call = (newestCall[caller] = (newestCall[caller] || 0) + 1);
    dashBusy += 1;
    clearTimeout(settleTimer);
    setReady(false);
    function done() {
      dashBusy = Math.max(0, dashBusy - 1);
      settle();
    }
    // The map takes a new spec as soon as its bytes arrive, before Dash has read the
    // answer and run the callbacks it sets off (Dash's own call of apply then finds it
    // shown). Done a task later, once the loads it started are counted.
    return originalFetch(input, init).then(function (r) {
      r.clone().json().then(function (doc) {
        if (newestCall[caller] !== call) return;
        const response = (doc && doc.response) || {};
        const address = response.url;  // an action's answer names the page's next URL
        if (address && typeof address.search === "string") pageSearch = address.search;
        const out = response["map-spec"];
        if (out && out.data) early(out.data);
      }).catch(function () {}).then(function () { setTimeout(done, 0); });
      return r;
    }, function (e) { done(); throw e; });
  };

  /* --- Dash starts once the first view is drawn ------------------------------------------ */
  // Its scripts (~1.3 MB to evaluate) would otherwise hold the main thread while the map
  // draws; the page template keeps them in <template id="dash-scripts">. They run in order,
  // then the inline renderer. A map that never gets ready still lets Dash start after 3 s.
  let dashStarted = false;
  function copyScript(old) {
    const s = document.createElement("script");
    for (let i = 0; i < old.attributes.length; i++) s.setAttribute(old.attributes[i].name, old.attributes[i].value);
    if (!old.src) s.textContent = old.textContent;
    return s;
  }
  function startDash() {
    if (dashStarted) return;
    const holder = document.getElementById("dash-scripts");
    if (!holder) {  // the template is further down the page than this script
      document.addEventListener("DOMContentLoaded", startDash, { once: true });
      return;
    }
    dashStarted = true;
    const scripts = Array.prototype.slice.call(holder.content.querySelectorAll("script"));
    const external = scripts.filter(function (s) { return s.src; });
    const inline = scripts.filter(function (s) { return !s.src; });
    function runInline() {
      inline.forEach(function (old) { document.body.appendChild(copyScript(old)); });
    }
    let last = null;
    external.forEach(function (old) {
      last = copyScript(old);
      last.async = false;  // executed in document order, like the tags they replace
      document.body.appendChild(last);
    });
    if (last) {
      last.addEventListener("load", runInline, { once: true });
      last.addEventListener("error", runInline, { once: true });
    } else {
      runInline();
    }
  }
  setTimeout(startDash, 3000);

  /* --- the map -------------------------------------------------------------------------- */
  const map = L.map(el, { zoomSnap: 0.25, attributionControl: false, preferCanvas: true });
  ns.map = map;
  // One canvas for polygons and dots (a second canvas on top would swallow the clicks meant
  // for the polygons); the grids are moved to the back of it whenever they are redrawn.
  // Enterprise clusters are drawn on it too; the few symbols (hazards, listed dangers,
  // alarms, which pulse) are DOM markers in the marker pane above.
  const canvas = L.canvas({ padding: 0.1 });  // a small margin: painting it costs

  /* --- where the map looks ------------------------------------------------------------- */
  // A spec's view as a centre and zoom, worked out before the map moves there, so the
  // enterprises' squares for where it is going are asked for at once, not after the move.
  let goal = null;
  function target(view) {
    if (!view) return null;
    if (view.center) return { center: L.latLng(view.center), zoom: view.zoom };
    if (!view.bounds) return null;
    const b = L.latLngBounds(view.bounds);
    const zoom = Math.min(map.getBoundsZoom(b), 18);  // a point's bounds: no infinite zoom
    const sw = map.project(b.getSouthWest(), zoom);
    const ne = map.project(b.getNorthEast(), zoom);
    return { center: map.unproject(sw.add(ne).divideBy(2), zoom), zoom: zoom };
  }
  // The map is busy until it has arrived: a short zoom for a drill (Leaflet animates up to
  // four levels), a flight for longer jumps (a searched enterprise).
  function moveTo(to, animate) {
    if (!to) return;
    if (!animate) {
      map.setView(to.center, to.zoom, { animate: false });
      return;
    }
    begin();
    let arrived = false;
    function arrive() {
      if (arrived) return;
      arrived = true;
      end();
    }
    map.once("moveend", arrive);
    setTimeout(arrive, 2000);  // whatever Leaflet does, the map is not busy for ever
    if (Math.abs(to.zoom - map.getZoom()) <= 4) map.setView(to.center, to.zoom, { animate: true });
    else map.flyTo(to.center, to.zoom, { duration: 0.6 });
  }

  /* --- clicks go to Dash (queued until it is up) ---------------------------------------- */
  let queued = null;
  let clicks = 0;
  function emit(layer, properties) {
    clicks += 1;
    const event = { layer: layer, properties: properties, n: clicks };
    if (dashUp) window.dash_clientside.set_props("map-event", { data: event });
    else queued = event;
  }

  /* --- symbols ---------------------------------------------------------------------------- */
  function gridStyle(feature, h) {
    const p = feature.properties;
    const selected = h.selected && p.code === h.selected;
    const base = { color: selected ? "#ffd84d" : "#5fa8ff", weight: selected ? 3 : 1.2, opacity: 0.9 };
    if (!h.metric || h.metric === "none" || !h.breaks || !h.breaks.length) {
      return Object.assign(base, { fillColor: "#3b6fb6", fillOpacity: selected ? 0.18 : 0.06 });
    }
    const v = p[h.metric];
    let i = h.breaks.findIndex(function (b) { return v <= b; });
    if (i < 0) i = h.breaks.length - 1;
    return Object.assign(base, { fillColor: h.colors[i], fillOpacity: 0.65 });
  }
  function gridTip(feature, h) {
    const p = feature.properties;
    const lines = [p.name];
    const m = h.metric;
    if (m && m !== "none") {
      const v = m === "rate" ? (p[m] * 100).toFixed(2) + "%" : String(p[m]);
      lines.push(label("metric." + m, m) + ": " + v);
    }
    return textBlock(lines);
  }
  function enterprisePoint(feature, latlng, h) {
    const p = feature.properties;
    const k = p.safety_class;
    const selected = h.selected && h.selected === p.credit_code;
    const marker = L.circleMarker(latlng, {
      renderer: canvas,
      radius: selected ? 18 : k === "red" ? 6 : 4.5, weight: selected ? 4 : 1,
      color: selected ? "#ffd84d" : "#0b1320", opacity: selected ? 1 : 0.8,
      fillColor: CLASS_COLORS[k] || "#888", fillOpacity: 0.95,
    });
    marker.feature = feature;
    marker.bindTooltip(function () {
      return textBlock([p.name, label("class." + k, k) + " · " + p.credit_code]);
    }, { className: "onemap-tip" });
    marker.on("click", function () { emit("enterprises", p); });
    return marker;
  }
  function clusterCount(n, lang) {
    if (n < 10000) return String(n);
    return lang === "zh" ? (n / 10000).toFixed(1) + label("unit.wan", "万") : Math.round(n / 1000) + "k";
  }
  /* A cluster on the map's canvas (a hundred DOM markers with gradients cost more to lay out
     and paint than the whole rest of the first view): a ring of the class mix around a disc
     of the worst class, with the count. A circle marker to Leaflet (position, bounds and
     clicks are its own); only the drawing is ours, in the renderer's calls of Leaflet 1.9.4
     (vendored, so these inner names cannot move under us). */
  const ClusterMarker = L.CircleMarker.extend({
    _updatePath: function () {
      const r = this._renderer;
      if (!r._drawing || this._empty()) return;
      const ctx = r._ctx;
      const p = this._point;
      const radius = this._radius;
      const mix = this.options.mix;
      const total = mix.reduce(function (a, b) { return a + b; }, 0) || 1;
      let at = -Math.PI / 2;
      mix.forEach(function (n, k) {  // the ring: each class's share of the circle
        if (!n) return;
        const to = at + (n / total) * 2 * Math.PI;
        ctx.beginPath();
        ctx.moveTo(p.x, p.y);
        ctx.arc(p.x, p.y, radius, at, to);
        ctx.closePath();
        ctx.fillStyle = CLASS_COLORS[RANK_CLASS[k]];
        ctx.fill();
        at = to;
      });
      ctx.beginPath();  // the disc: the worst class, with a dark edge to part it from the ring
      ctx.arc(p.x, p.y, radius - 4, 0, 2 * Math.PI);
      ctx.fillStyle = CLASS_COLORS[RANK_CLASS[this.options.worst]];
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "rgba(11, 19, 32, 0.6)";
      ctx.stroke();
      ctx.fillStyle = this.options.worst === 2 ? "#111" : "#fff";
      ctx.font = "bold 12px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(this.options.text, p.x, p.y + 0.5);
    },
  });
  function clusterMarker(feature, latlng, h) {
    const p = feature.properties;
    const mix = p.mix || [0, 0, 0, 0];
    let worst = 0;
    for (let r = 3; r >= 0; r--) { if (mix[r] > 0) { worst = r; break; } }
    const n = p.point_count;
    const marker = new ClusterMarker(latlng, {
      renderer: canvas,
      radius: Math.round(12 + Math.min(9, Math.log10(n) * 3.5)),
      weight: 0,
      mix: mix,
      worst: worst,
      text: clusterCount(n, h.lang),
    });
    marker.feature = feature;
    return marker;
  }
  function symbol(latlng, className, text, tipLines, z) {
    const box = document.createElement("div");
    box.className = className;
    const span = document.createElement("span");
    span.textContent = text;
    box.appendChild(span);
    const marker = L.marker(latlng, {
      icon: L.divIcon({ html: box, className: "", iconSize: L.point(26, 26) }),
      zIndexOffset: z || 0,
    });
    marker.bindTooltip(function () { return textBlock(tipLines); }, { className: "onemap-tip" });
    return marker;
  }
  const SYMBOLS = {
    major_hazards: function (feature, latlng) {
      const p = feature.properties;
      return symbol(latlng, "onemap-hazard hazard-l" + p.level, String(p.level), [
        p.name, p.enterprise,
        label("hazard.level", "level") + " " + p.level + " · R = " + p.r_value,
        label("control." + p.control_status, p.control_status),
      ], 2000);
    },
    listed_dangers: function (feature, latlng) {
      const p = feature.properties;
      const cls = "onemap-listed listed-" + p.listing_level + (p.overdue ? " overdue" : "");
      return symbol(latlng, cls, label("listing.short." + p.listing_level, "!"), [
        p.description || "", (p.enterprise || "") + " " + (p.listing_body || ""),
        label("listed.deadline", "deadline") + " " + (p.deadline || "") +
          (p.overdue ? " · " + label("listed.overdue", "overdue") : ""),
      ], 3000);
    },
    alarms: function (feature, latlng) {
      const p = feature.properties;
      const cls = "onemap-alarm alarm-l" + p.level + (p.escalated ? " escalated" : "") +
        (p.recovered ? " recovered" : "");
      const lines = [
        p.enterprise || "",
        p.sensor + " · " + label("alarm.level_" + p.level, "") + " · " +
          label("alarm.rule." + p.rule, p.rule) + (p.count > 1 ? " ×" + p.count : ""),
        label("alarm.state." + p.state, p.state) +
          (p.recovered ? " · " + label("alarm.recovered", "") : ""),
      ];
      if (p.peak !== null && p.peak !== undefined) {
        lines.push(label("alarm.peak", "peak") + " " + p.peak + " " + (p.unit || ""));
      }
      if (p.escalated) lines.push(label("alarm.escalated", "escalated"));
      if (p.here > 1) lines.push(label("alarm.here", "{n}").replace("{n}", String(p.here)));
      const marker = symbol(latlng, cls, p.level === 2 ? "!" : "·", lines, 4000 + p.level * 1000);
      if (p.here > 1) {  // how many are open at this place (one enterprise's sensors)
        const badge = document.createElement("b");
        badge.className = "alarm-here";
        badge.textContent = String(p.here);
        marker.options.icon.options.html.appendChild(badge);
      }
      return marker;
    },
  };

  /* --- layers ------------------------------------------------------------------------- */
  // name -> {url, hideout, data, layer}; a response for a url no longer wanted is dropped.
  const layers = {};
  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status + " " + url);
      return r.json();
    });
  }
  function clear(entry) {
    if (entry.layer) map.removeLayer(entry.layer);
    entry.layer = null;
  }
  function drawGeoJSON(name, entry) {
    clear(entry);
    const h = entry.hideout;
    if (name === "grids") {
      entry.layer = L.geoJSON(entry.data, {
        renderer: canvas,
        style: function (f) { return gridStyle(f, h); },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(function () { return gridTip(f, entry.hideout); },
                            { sticky: true, className: "onemap-tip" });
          layer.on("click", function () { emit("grids", f.properties); });
        },
      });
    } else {
      entry.layer = L.geoJSON(entry.data, {
        pointToLayer: SYMBOLS[name],
        // one symbol per place for alarms (it counts the others there)
        filter: function (f) { return f.properties.shown !== false; },
        onEachFeature: function (f, layer) {
          layer.on("click", function () { emit(name, f.properties); });
        },
      });
    }
    entry.layer.addTo(map);
    if (name === "grids") entry.layer.bringToBack();
  }
  /* Layers that arrive while others are still on their way are drawn together when the last
     has come: one frame to lay out and paint instead of one per layer (each costs tens of
     milliseconds of software painting on a wall PC; the first view drew its clusters a
     whole frame after the rest). A slow layer holds the others back 400 ms at most. */
  let loading = 0;
  const drawQueue = [];
  let drawTimer = null;
  function flushDraws() {
    clearTimeout(drawTimer);
    drawTimer = null;
    drawQueue.splice(0).forEach(function (draw) { draw(); });
  }
  function loadStart() {
    loading += 1;
    begin();
  }
  function loadEnd(draw) {  // draw: what to show (it checks it is still wanted), or null
    if (draw) drawQueue.push(draw);
    loading = Math.max(0, loading - 1);
    if (!loading) flushDraws();
    else if (draw && !drawTimer) drawTimer = setTimeout(flushDraws, 400);
    end();
  }
  function loadGeoJSON(name, entry) {
    const url = entry.url;
    let draw = null;
    loadStart();
    fetchJSON(url).then(function (doc) {
      if (entry.url !== url) return;
      entry.data = doc;
      draw = function () { if (entry.url === url && entry.data === doc) drawGeoJSON(name, entry); };
    }).catch(function (err) {
      if (window.console) console.error("map layer", name, err);
    }).then(function () { loadEnd(draw); });
  }

  /* Enterprises: the server makes the clusters (layers/enterprises.py) for the zoom shown and
     a range of its CELL-pixel squares around the view; a pan inside that range needs
     nothing, a zoom or a pan beyond it asks again. */
  function cellRange(entry, view, zoom, pad) {
    // the squares at integer zoom `zoom` under a view (centre, zoom) and `pad` views around it
    const cell = entry.hideout.cell || 72;
    const c = map.project(view.center, zoom);
    const half = map.getSize().divideBy(2).multiplyBy((1 + 2 * pad) * Math.pow(2, zoom - view.zoom));
    const top = Math.ceil((256 * Math.pow(2, zoom)) / cell) - 1;
    const clamp = function (v) { return Math.max(0, Math.min(top, v)); };
    return [clamp(Math.floor((c.x - half.x) / cell)), clamp(Math.floor((c.y - half.y) / cell)),
            clamp(Math.floor((c.x + half.x) / cell)), clamp(Math.floor((c.y + half.y) / cell))];
  }
  function covers(have, want) {
    return have && have[0] <= want[0] && have[1] <= want[1] && have[2] >= want[2] && have[3] >= want[3];
  }
  function loadClusters(entry) {
    if (!entry.url) return;
    const view = goal || { center: map.getCenter(), zoom: map.getZoom() };
    const zoom = Math.min(Math.round(view.zoom), (entry.hideout.max_cluster_zoom || 15) + 1);
    const want = cellRange(entry, view, zoom, 0);
    // (a new url resets entry.shown: setLayer)
    if (entry.shown && entry.shown.zoom === zoom && covers(entry.shown.cells, want)) return;
    // half a view more on every side, snapped to 8 squares so neighbours share a cache entry
    const r = cellRange(entry, view, zoom, 0.5);
    const cells = [r[0] - (r[0] % 8), r[1] - (r[1] % 8), r[2] + 7 - (r[2] % 8), r[3] + 7 - (r[3] % 8)];
    const url = entry.url + "&z=" + zoom + "&cells=" + cells.join(",");
    if (entry.loading === url) return;
    entry.loading = url;
    let draw = null;
    loadStart();
    fetchJSON(url).then(function (doc) {
      if (entry.loading !== url) return;
      entry.loading = null;
      entry.data = doc;
      entry.shown = { zoom: zoom, cells: cells };
      draw = function () { if (entry.data === doc) drawClusters(entry); };
    }).catch(function (err) {
      if (entry.loading === url) entry.loading = null;
      if (window.console) console.error("map layer enterprises", err);
    }).then(function () { loadEnd(draw); });
  }
  function clusterFeature(c) {
    return { properties: { cluster: true, point_count: c[2], mix: [c[3], c[4], c[5], c[6]] } };
  }
  function pointFeature(p) {
    return { properties: { safety_class: p[2], credit_code: p[3], name: p[4] } };
  }
  function zoomInto(bounds) {
    const b = L.latLngBounds([bounds[1], bounds[0]], [bounds[3], bounds[2]]);
    if (b.getNorthEast().equals(b.getSouthWest())) map.flyTo(b.getCenter(), map.getZoom() + 2, { duration: 0.5 });
    else map.flyToBounds(b, { padding: [40, 40], duration: 0.5 });
  }
  function drawClusters(entry) {
    const h = entry.hideout;
    const doc = entry.data || { clusters: [], points: [] };
    const group = L.layerGroup();
    // the canvas paints in the order layers are added: dots first, then clusters, those
    // holding a red enterprise last, so nothing covers a red one
    doc.points.forEach(function (p) {
      group.addLayer(enterprisePoint(pointFeature(p), L.latLng(p[1], p[0]), h));
    });
    const clusters = doc.clusters.slice().sort(function (a, b) { return (a[6] > 0) - (b[6] > 0); });
    clusters.forEach(function (c) {
      const marker = clusterMarker(clusterFeature(c), L.latLng(c[1], c[0]), h);
      marker.on("click", function () { zoomInto(c.slice(7, 11)); });
      group.addLayer(marker);
    });
    clear(entry);
    entry.layer = group.addTo(map);
  }
  map.on("moveend", function () {
    goal = null;  // arrived (or the user moved the map)
    const entry = layers.enterprises;
    if (entry && entry.url) loadClusters(entry);
  });

  function setLayer(name, conf) {
    conf = conf || {};
    const entry = layers[name] || (layers[name] = { url: null, hideout: {}, data: null, layer: null });
    const hideout = conf.hideout || {};
    const restyle = JSON.stringify(hideout) !== JSON.stringify(entry.hideout);
    entry.hideout = hideout;
    if ((conf.url || null) !== entry.url) {
      entry.url = conf.url || null;
      entry.data = null;
      entry.loading = null;
      entry.shown = null;
      if (!entry.url) {
        clear(entry);
      } else if (name === "enterprises") {
        loadClusters(entry);
      } else {
        loadGeoJSON(name, entry);
      }
    } else if (restyle) {
      if (name === "grids" && entry.layer) {
        entry.layer.setStyle(function (f) { return gridStyle(f, hideout); });
      } else if (name === "enterprises" && entry.data) {
        drawClusters(entry);
      } else if (entry.data) {
        drawGeoJSON(name, entry);
      }
    }
  }

  /* What each layer shows now (its url; null when switched off): for a watchdog or a test. */
  ns.layerUrls = function () {
    const out = {};
    Object.keys(layers).forEach(function (name) { out[name] = layers[name].url; });
    return out;
  };

  let basemap = null;
  let basemapUrl = null;
  function setBasemap(conf) {
    const url = (conf && conf.url) || null;
    if (url === basemapUrl) return;
    if (basemap) map.removeLayer(basemap);
    basemap = url ? L.tileLayer(url, { maxZoom: 18, attribution: conf.attribution || "" }).addTo(map) : null;
    basemapUrl = url;
  }

  let viewKey = null;
  /* Show a spec: {layers: {name: {url, hideout}}, view, key, labels, basemap}. */
  ns.apply = function (spec) {
    if (!spec) return;
    labels = spec.labels || labels;
    setBasemap(spec.basemap);
    const moves = spec.key !== viewKey;
    if (moves) goal = target(spec.view);  // the layers load for where the map is going
    ORDER.forEach(function (name) { setLayer(name, (spec.layers || {})[name]); });
    if (moves) {
      moveTo(goal, viewKey !== null);
      viewKey = spec.key;
    }
  };

  /* Every spec is shown through here. One made for a URL the page has already left (new
     data answered for the old view while the user moved on) is dropped and the spec for
     the page's URL asked for instead, so the map never shows another view than the URL. */
  let pageSearch = window.location.search;  // as far as the map knows (answers name it first)
  window.addEventListener("popstate", function () { pageSearch = window.location.search; });
  let shownSearch = boot.search;
  function bare(search) { return (search || "").replace(/^[?]/, ""); }
  function show(spec) {
    if (typeof spec.search === "string" && bare(spec.search) !== bare(pageSearch)) {
      if (dashUp) {
        window.dash_clientside.set_props("map-wanted", { data: { search: pageSearch, at: Date.now() } });
      }
      return;
    }
    ns.apply(spec);
    if (typeof spec.search === "string") shownSearch = spec.search;
  }
  ns.shownSearch = function () { return shownSearch; };
  /* Whether the map shows the view of this URL query (the gate in front of draw_map). */
  ns.shows = function (search) { return bare(shownSearch) === bare(search); };
  // Specs handled straight from a response (see the fetch wrapper), kept by their text until
  // Dash hands the same spec to apply, which then leaves the map alone.
  const handledEarly = [];
  function early(spec) {
    handledEarly.push(JSON.stringify(spec));
    if (handledEarly.length > 20) handledEarly.shift();
    show(spec);
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.onemap_map = {
    /* The map-spec store changed (or Dash has just started): show it; send a queued click. */
    apply: function (spec) {
      const seen = spec ? handledEarly.indexOf(JSON.stringify(spec)) : -1;
      if (seen >= 0) handledEarly.splice(seen, 1);
      else if (spec) show(spec);
      if (!dashUp) {
        dashUp = true;
        if (queued) {
          const event = queued;
          queued = null;
          window.dash_clientside.set_props("map-event", { data: event });
        }
      }
      return window.dash_clientside.no_update;
    },
  };

  map.setView([0, 0], 1, { animate: false });  // a view before layers are added; apply moves
  setReady(false);  // not ready until the first view has drawn (an absent attribute says nothing)
  ns.apply(boot);
  settle();  // with every layer switched off there is nothing to wait for
})();
