/* The one-map's browser side. dash-leaflet draws the map (dl.Map, a dl.GeoJSON per layer by
   url, dl.Pane for the drawing order); this file holds what it cannot know:

   1. Symbol functions the layers name as {"variable": "onemap.<fn>"} (dash-leaflet calls them
      with the layer's props last, so they read its `hideout`): grid style and tooltips,
      enterprise clusters (drawn on the grids' canvas) and dots, sensitive-target, hazard,
      listed-danger, emergency-resource and alarm symbols.
   2. The clientside callback `onemap_map.apply` (callbacks/map_state.py): the map spec the
      server made for the URL, with the map's zoom and bounds, becomes each layer's `url` and
      `hideout` and the map's `viewport`. The enterprises' clusters are asked for the squares
      of the view plus half a view around it, snapped to 8 squares, so a pan inside fetched
      squares asks for nothing; for a move, the squares of where the map is going; for a new
      map, of where its bounds will put it (it reports its view only once it has drawn it).
   3. The readiness counter: `data-map-ready` on #map is "false" while a layer has not drawn
      the url it was given, the map is on its way to a new view or a map spec has been asked
      of the server; "true" two frames after none of that is left. The map's own URLs end
      with `end=1`: the server then ends the collection with one feature of empty geometry
      {"onemap": "end"}, which the layer's filter sees after every other feature, so an
      answer counts as drawn even when it holds nothing. (dash-leaflet 1.1.3 ignores a url
      that changes while the layer is still loading; the counter sees the old url drawn and
      hands the layer its hideout again, which makes it load the url it now has.)
   4. A test and watchdog hook: onemap.readiness() {busy, dash}, onemap.layerUrls() (what each
      layer shows: its url, null when off), onemap.shownSearch(), onemap.map (the Leaflet map).

   Text that comes from data is only ever set with textContent. */
(function () {
  "use strict";
  const ns = (window.onemap = window.onemap || {});
  const CLASS_COLORS = { green: "#2e9e4f", blue: "#2f6fdb", yellow: "#f0b400", red: "#d93025" };
  const RANKS = ["green", "blue", "yellow", "red"];
  const END = "end";  // the marker feature's properties.onemap

  function label(h, key, fallback) {
    const labels = (h && h.labels) || {};
    return labels[key] || fallback || key;
  }
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
  function hideoutOf(context) { return (context && context.hideout) || {}; }
  function seeMap(context) { if (context && context.map) ns.map = context.map; }

  /* --- readiness ---------------------------------------------------------------------- */
  const layers = {};  // name -> {id, want, hideout, drawn, cells}
  let order = [];
  let started = false;  // apply has shown a spec
  let waitingView = false;  // the clusters wait for the map's first zoom and bounds
  let moving = false;
  let moveTimer = null;
  let asked = 0;  // map specs asked of the server and not yet come
  let readyFrame = 0;
  function mapEl() { return document.getElementById("map"); }
  function busyCount() {
    let n = 0;
    Object.keys(layers).forEach(function (name) {
      const st = layers[name];
      if (st.want && st.drawn !== st.want) n += 1;
    });
    return n + (moving ? 1 : 0) + (waitingView ? 1 : 0) + (started ? 0 : 1);
  }
  function write(value) {
    const el = mapEl();
    if (!el) {  // the map is not in the page yet: write once it is
      requestAnimationFrame(function () { write(value); });
      return;
    }
    if (el.getAttribute("data-map-ready") !== value) el.setAttribute("data-map-ready", value);
  }
  function update() {
    readyFrame += 1;
    if (busyCount() || asked) {
      write("false");
      return;
    }
    const frame = readyFrame;
    requestAnimationFrame(function () {  // two frames: the canvas and the symbols painted
      requestAnimationFrame(function () {
        if (frame === readyFrame && !busyCount() && !asked) write("true");
      });
    });
  }
  write("false");  // not ready until the first view has drawn
  ns.readiness = function () { return { busy: busyCount(), dash: asked }; };
  ns.layerUrls = function () {
    const out = {};
    order.forEach(function (name) { out[name] = layers[name] ? layers[name].want : null; });
    return out;
  };

  /* A layer drew an answer: its end marker went through the filter (context: its props). */
  function drawn(context) {
    const name = context.hideout && context.hideout.layer;
    const st = layers[name];
    if (!st) return;
    const url = context.hideout.url || null;
    st.drawn = url;
    if (st.want && url !== st.want) {
      // the layer was still loading when its url changed, and kept the old one: its
      // hideout again (a new object) makes it compare its props and load the url it has
      st.nudges = (st.nudges || 0) + 1;
      st.hideout = Object.assign({}, st.hideout, { nudge: st.nudges });
      window.dash_clientside.set_props(st.id, { hideout: st.hideout });
    }
    setTimeout(declutter, 0);
    update();
  }

  /* --- symbols ---------------------------------------------------------------------------- */
  ns.filter = function (feature, context) {
    seeMap(context);
    const p = feature.properties || {};
    if (p.onemap === END) {
      drawn(context);
      return false;
    }
    // a layer drawn only from a zoom up (targets: its hideout's min_zoom; apply sets `far`)
    const h = hideoutOf(context);
    if (h.min_zoom !== undefined && h.far !== false) return false;
    return p.shown !== false;  // alarms: one symbol per place (it counts the others there)
  };

  ns.gridStyle = function (feature, context) {
    seeMap(context);
    const h = hideoutOf(context);
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
  };
  ns.gridEach = function (feature, layer, context) {
    const h = hideoutOf(context);
    layer.bindTooltip(function () {
      const p = feature.properties;
      const lines = [p.name];
      if (h.metric && h.metric !== "none") {
        const v = h.metric === "rate" ? (p[h.metric] * 100).toFixed(2) + "%" : String(p[h.metric]);
        lines.push(label(h, "metric." + h.metric, h.metric) + ": " + v);
      }
      return textBlock(lines);
    }, { sticky: true, className: "onemap-tip" });
    // polygons and enterprise dots share one canvas (a second canvas on top would swallow
    // the polygons' clicks): the polygons go to its back whenever they are drawn
    layer.on("add", function () { layer.bringToBack(); });
  };

  function count(n, h) {
    if (n < 10000) return String(n);
    return h.lang === "zh" ? (n / 10000).toFixed(1) + label(h, "unit.wan", "万") : Math.round(n / 1000) + "k";
  }
  /* A cluster: a ring of the class mix in proportion around a dark disc with the count, and a
     red dot of its own on the ring when a red enterprise is inside. Drawn on the canvas the
     grids and the enterprise dots share (a DOM symbol each made the first view wait for a
     few hundred elements; a canvas of its own above would swallow the polygons' clicks). */
  /* The symbols' scale: 1 on the command page; the wall screen (assets/wall.js) draws them
     larger, so no number on its map is under 16 px from across the room. */
  function scale() { return ns.scale || 1; }
  function clusterRadius(n) {  // 13-22 px at scale 1
    return Math.round((13 + Math.min(9, Math.log10(n) * 3.5)) * scale());
  }
  const RING = 5;
  const ClusterMark = L.CircleMarker.extend({
    // the canvas draws it in its turn (Leaflet calls _updatePath for every layer it paints)
    _updatePath: function () {
      const renderer = this._renderer;
      if (!renderer._drawing || this._empty()) return;
      const ctx = renderer._ctx;
      const o = this.options;
      const x = this._point.x;
      const y = this._point.y;
      const r = o.disc;
      const mid = r - RING / 2;
      const total = o.mix.reduce(function (a, b) { return a + b; }, 0) || 1;
      ctx.save();
      ctx.globalAlpha = 1;
      ctx.beginPath();
      ctx.arc(x, y, r - RING, 0, 2 * Math.PI);
      ctx.fillStyle = "rgba(11,19,32,0.88)";
      ctx.fill();
      let at = -Math.PI / 2;  // from the top, clockwise
      ctx.lineWidth = RING;
      o.mix.forEach(function (k, i) {
        if (!k) return;
        const end = at + (k / total) * 2 * Math.PI;
        ctx.beginPath();
        ctx.arc(x, y, mid, at, end);
        ctx.strokeStyle = CLASS_COLORS[RANKS[i]];
        ctx.stroke();
        at = end;
      });
      if (o.mix[3] > 0) {  // on the ring at the upper right, white-edged: seen on any fill
        const d = r * 0.7071;
        ctx.beginPath();
        ctx.arc(x + d, y - d, 4.5, 0, 2 * Math.PI);
        ctx.fillStyle = CLASS_COLORS.red;
        ctx.fill();
        ctx.lineWidth = 1.5;
        ctx.strokeStyle = "#fff";
        ctx.stroke();
      }
      ctx.font = "700 " + Math.round(12 * scale()) + "px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineWidth = 2;
      ctx.strokeStyle = "rgba(11,19,32,0.9)";
      ctx.strokeText(o.label, x, y + 0.5);
      ctx.fillStyle = "#fff";
      ctx.fillText(o.label, x, y + 0.5);
      ctx.restore();
    },
  });
  ns.ClusterMark = ClusterMark;
  ns.enterprisePoint = function (feature, latlng, context) {
    seeMap(context);
    const h = hideoutOf(context);
    const p = feature.properties;
    if (p.cluster) {
      const r = clusterRadius(p.count);
      const marker = new ClusterMark(latlng, {
        pane: context.pane, radius: r + 5, stroke: false, fill: false,  // radius: the red dot too
        disc: r, mix: p.mix, label: count(p.count, h),
      });
      marker.onemapCluster = r - RING;  // the count's disc: nothing may cover it
      marker.on("click", function () {  // a click zooms to where its enterprises are
        const b = p.bounds;
        const map = marker._map;
        const bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
        if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
          map.flyTo(bounds.getCenter(), map.getZoom() + 2, { duration: 0.5 });
        } else {
          map.flyToBounds(bounds, { padding: [40, 40], duration: 0.5 });
        }
      });
      return marker;
    }
    const k = p.safety_class;
    const selected = h.selected && h.selected === p.credit_code;
    const marker = L.circleMarker(latlng, {
      pane: context.pane,
      radius: (selected ? 18 : k === "red" ? 6 : 4.5) * scale(), weight: selected ? 4 : 1,
      color: selected ? "#ffd84d" : "#0b1320", opacity: selected ? 1 : 0.8,
      fillColor: CLASS_COLORS[k] || "#888", fillOpacity: 0.95,
    });
    marker.bindTooltip(function () {
      return textBlock([p.name, label(h, "class." + k, k) + " · " + p.credit_code]);
    }, { className: "onemap-tip" });
    return marker;
  };

  function symbol(latlng, kind, className, text, tipLines, base, pane) {
    const size = Math.round(base * scale());
    const box = document.createElement("div");
    box.className = className;
    const span = document.createElement("span");
    span.textContent = text;
    box.appendChild(span);
    const marker = L.marker(latlng, {
      icon: L.divIcon({ html: box, className: "onemap-symbol", iconSize: L.point(size, size) }),
      pane: pane, keyboard: false,
    });
    marker.onemapSymbol = { kind: kind, size: size, box: box };
    marker.bindTooltip(function () { return textBlock(tipLines); }, { className: "onemap-tip" });
    return marker;
  }
  ns.hazardPoint = function (feature, latlng, context) {
    const h = hideoutOf(context);
    const p = feature.properties;
    return symbol(latlng, "hazard", "onemap-hazard hazard-l" + p.level, String(p.level), [
      p.name, p.enterprise,
      label(h, "hazard.level", "level") + " " + p.level + " · R = " + p.r_value,
      label(h, "control." + p.control_status, p.control_status),
    ], 24, context.pane);
  };
  ns.listedPoint = function (feature, latlng, context) {
    const h = hideoutOf(context);
    const p = feature.properties;
    const cls = "onemap-listed listed-" + p.listing_level + (p.overdue ? " overdue" : "");
    return symbol(latlng, "listed", cls, label(h, "listing.short." + p.listing_level, "!"), [
      p.description || "", (p.enterprise || "") + " " + (p.listing_body || ""),
      label(h, "listed.deadline", "deadline") + " " + (p.deadline || "") +
        (p.overdue ? " · " + label(h, "listed.overdue", "overdue") : ""),
    ], 26, context.pane);
  };
  /* Emergency resources, "who can help": a filled green/teal rounded square with its type's
     glyph, the type's figure in the tooltip. */
  function figure(h, key, n) { return label(h, key, "{n}").replace("{n}", String(n)); }
  function has(v) { return v !== null && v !== undefined && v !== ""; }
  function reach(h, p, prefix) {  // "contact phone", when there is either (an expert is
    // their own contact: then only the phone)
    if (p.contact === p.name || !has(p.contact)) {
      return has(p.phone) ? label(h, "resource.phone", "") + " " + p.phone : null;
    }
    return label(h, prefix + ".contact", "") + " " + [p.contact, p.phone].filter(has).join(" ");
  }
  ns.resourcePoint = function (feature, latlng, context) {
    const h = hideoutOf(context);
    const p = feature.properties;
    const lines = [p.name, label(h, "resource.type." + p.type, p.type)];
    if (has(p.members)) lines.push(figure(h, "resource.members", p.members));
    if (has(p.speciality)) lines.push(label(h, "resource.speciality", "") + " " + p.speciality);
    if (has(p.items)) {  // "帐篷:200;救生衣:500;…": the first few
      const items = String(p.items).split(";").filter(has);
      lines.push(label(h, "resource.items", "") + " " + items.slice(0, 4).map(function (it) {
        return it.replace(":", " ");
      }).join(" · ") + (items.length > 4 ? " …" : ""));
    }
    if (has(p.capacity)) {
      lines.push(figure(h, "resource.capacity", p.capacity) + (has(p.is_open) ? " · " +
        label(h, p.is_open ? "resource.open" : "resource.closed", "") : ""));
    }
    const care = [];
    if (has(p.beds)) care.push(figure(h, "resource.beds", p.beds));
    if (has(p.ambulances)) care.push(figure(h, "resource.ambulances", p.ambulances));
    if (care.length) lines.push(care.join(" · "));
    const who = reach(h, p, "resource");
    if (who) lines.push(who);
    return symbol(latlng, "resource", "onemap-resource resource-" + p.type,
      label(h, "resource.glyph." + p.type, "·"), lines, 22, context.pane);
  };
  /* Sensitive targets, "what to protect": a muted outlined circle with its type's glyph, the
     people usually there in the tooltip; under every danger symbol. */
  ns.targetPoint = function (feature, latlng, context) {
    const h = hideoutOf(context);
    const p = feature.properties;
    const lines = [p.name, label(h, "target.type." + p.type, p.type)];
    if (has(p.people)) lines.push(figure(h, "target.people", p.people));
    const who = reach(h, p, "target");
    if (who) lines.push(who);
    return symbol(latlng, "target", "onemap-target target-" + p.type,
      label(h, "target.glyph." + p.type, "·"), lines, 20, context.pane);
  };
  /* An alarm is the most visible thing on the map: larger than any other symbol, pulsing, in
     the top pane; one per place, with the number open there inside its own box. */
  ns.alarmPoint = function (feature, latlng, context) {
    const h = hideoutOf(context);
    const p = feature.properties;
    const cls = "onemap-alarm alarm-l" + p.level + (p.escalated ? " escalated" : "") +
      (p.recovered ? " recovered" : "") + (p.drill ? " drill" : "");
    const lines = [
      (p.drill ? label(h, "incident.drill", "drill") + " · " : "") + (p.enterprise || ""),
      p.sensor + " · " + label(h, "alarm.level_" + p.level, "") + " · " +
        label(h, "alarm.rule." + p.rule, p.rule) + (p.count > 1 ? " ×" + p.count : ""),
      label(h, "alarm.state." + p.state, p.state) +
        (p.recovered ? " · " + label(h, "alarm.recovered", "") : ""),
    ];
    if (p.peak !== null && p.peak !== undefined) {
      lines.push(label(h, "alarm.peak", "peak") + " " + p.peak + " " + (p.unit || ""));
    }
    if (p.escalated) lines.push(label(h, "alarm.escalated", "escalated"));
    if (p.here > 1) lines.push(label(h, "alarm.here", "{n}").replace("{n}", String(p.here)));
    const marker = symbol(latlng, "alarm", cls, p.level === 2 ? "!" : "·", lines, 32, context.pane);
    if (p.here > 1) {  // how many are open at this place (one enterprise's sensors)
      const badge = document.createElement("b");
      badge.className = "alarm-here";
      badge.textContent = String(p.here);
      marker.onemapSymbol.box.appendChild(badge);
    }
    if (p.drill) {  // a drill's alarm: practised on the real map, never taken for a real one
      const tag = document.createElement("i");
      tag.className = "alarm-drill";
      tag.textContent = label(h, "incident.drill_glyph", "D");
      marker.onemapSymbol.box.appendChild(tag);
    }
    return marker;
  };

  /* An incident's zones: rings dashed orange, the plume's AEGL footprints filled yellow →
     orange → red as the concentration rises; under every symbol, never clickable. */
  const PLUME_FILL = { aegl_1: "#f6d743", aegl_2: "#f08c2e", aegl_3: "#d93025" };
  ns.incidentStyle = function (feature) {
    const p = feature.properties || {};
    if (p.kind === "ring") {
      return { color: "#ff9f1a", weight: 2, opacity: 0.95, dashArray: "8 6", fill: true,
               fillColor: "#ff9f1a", fillOpacity: 0.04 };
    }
    return { color: PLUME_FILL[p.zone] || "#f08c2e", weight: 1.5, opacity: 0.9, fill: true,
             fillColor: PLUME_FILL[p.zone] || "#f08c2e", fillOpacity: 0.28 };
  };
  /* The incident's place: larger than an alarm; a drill's says 演 / D. */
  ns.incidentPoint = function (feature, latlng, context) {
    const h = hideoutOf(context);
    const p = feature.properties;
    const drill = !!p.drill;
    const cls = "onemap-incident" + (drill ? " drill" : "") + (p.state === "closed" ? " closed" : "");
    const glyph = drill ? label(h, "incident.drill_glyph", "演") : "!";
    const lines = [
      (drill ? label(h, "incident.drill", "drill") + " · " : "") +
        label(h, "incident.kind." + p.kind, p.kind),
      p.title || p.enterprise || "",
    ];
    return symbol(latlng, "incident", cls, glyph, lines, 40, "onemap-alarms");
  };

  /* --- nothing covers a number ------------------------------------------------------------- */
  /* The point symbols (alarms first, then listed dangers, hazards, emergency resources and
     last the sensitive targets: the less urgent gives way) keep their place when
     it is free; one that would cover a cluster's count or a symbol already placed moves to
     the nearest free spot around it (its inner box is translated; Leaflet keeps the marker's
     own position). Run after every layer has drawn and after every zoom. */
  const PRIORITY = { incident: -1, alarm: 0, listed: 1, hazard: 2, resource: 3, target: 4 };
  function declutter() {
    const map = ns.map;
    if (!map) return;
    const obstacles = [];
    const symbols = [];
    map.eachLayer(function (l) {
      if (l.onemapCluster && l._map) {
        const p = map.latLngToLayerPoint(l.getLatLng());
        const r = l.onemapCluster;
        obstacles.push([p.x - r, p.y - r, p.x + r, p.y + r]);
      } else if (l.onemapSymbol && l._icon) {
        symbols.push(l);
      }
    });
    symbols.sort(function (a, b) { return PRIORITY[a.onemapSymbol.kind] - PRIORITY[b.onemapSymbol.kind]; });
    const counts = obstacles.length;  // the first ones are the clusters' counts
    function free(box, upto) {
      for (let i = 0; i < upto; i++) {
        const o = obstacles[i];
        if (box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]) return false;
      }
      return true;
    }
    symbols.forEach(function (l) {
      const s = l.onemapSymbol;
      const p = map.latLngToLayerPoint(l.getLatLng());
      const half = s.size / 2 + 1;
      // the nearest spot free of counts and of symbols already placed; in a crowd, the
      // nearest free of counts (symbols may then touch each other, never a number)
      let best = null;
      [obstacles.length, counts].forEach(function (upto) {
        for (let ring = 0; ring <= 8 && !best; ring++) {
          const steps = ring ? 12 : 1;
          for (let i = 0; i < steps && !best; i++) {
            const a = (i / steps) * 2 * Math.PI - Math.PI / 4;
            const x = ring ? Math.round(Math.cos(a) * ring * 9) : 0;
            const y = ring ? Math.round(Math.sin(a) * ring * 9) : 0;
            if (free([p.x + x - half, p.y + y - half, p.x + x + half, p.y + y + half], upto)) {
              best = [x, y];
            }
          }
        }
      });
      const dx = best ? best[0] : 0;
      const dy = best ? best[1] : 0;
      s.box.style.translate = dx || dy ? dx + "px " + dy + "px" : "";
      obstacles.push([p.x + dx - half, p.y + dy - half, p.x + dx + half, p.y + dy + half]);
    });
  }
  ns.declutter = declutter;

  /* --- the map's moves ------------------------------------------------------------------ */
  /* zoomend (moveend is trackViewport's, which then reports the view to apply) */
  ns.moved = function (e, context) {
    seeMap(context);
    if (moving) {
      moving = false;
      clearTimeout(moveTimer);
    }
    declutter();
    update();
  };
  /* A move is waited for until it ends (the map then reports its view). A viewport that does
     not move the map ends the wait after 2.5 s; a move that began (a slow flight on a busy
     machine) is waited for until its end, at most 15 s. */
  let moveStarted = null;  // the movestart listener of the move waited for
  function startMove() {
    moving = true;
    clearTimeout(moveTimer);
    let began = false;
    const map = ns.map;
    if (map && moveStarted) map.off("movestart", moveStarted);  // one listener at a time
    moveStarted = function () { began = true; };
    if (map) map.once("movestart", moveStarted);
    const since = Date.now();
    moveTimer = setTimeout(function check() {
      if (!moving) return;
      if (began && Date.now() - since < 15000) {
        moveTimer = setTimeout(check, 500);
        return;
      }
      moving = false;
      update();
    }, 2500);
  }

  /* Web Mercator in [0, 1) (x east, y south), as read_models/geojson/enterprises.py has it. */
  function mercator(lat, lon) {
    const s = Math.sin((Math.max(-85.05112878, Math.min(85.05112878, lat)) * Math.PI) / 180);
    return [(lon + 180) / 360, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
  }
  function unmercator(x, y) {
    return [(Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI, x * 360 - 180];
  }
  /* A view: {zoom, west, north, east, south} in Mercator units, from the map's props. */
  function viewOf(zoom, bounds) {
    if (zoom === undefined || zoom === null || !bounds) return null;
    const sw = mercator(bounds[0][0], bounds[0][1]);
    const ne = mercator(bounds[1][0], bounds[1][1]);
    return { zoom: zoom, west: sw[0], east: ne[0], north: ne[1], south: sw[1] };
  }
  function around(center, zoom, width, height) {
    const c = mercator(center[0], center[1]);
    const s = 256 * Math.pow(2, zoom);
    return { zoom: zoom, west: c[0] - width / 2 / s, east: c[0] + width / 2 / s,
             north: c[1] - height / 2 / s, south: c[1] + height / 2 / s };
  }
  /* Where a spec's view puts the map (as Leaflet's fitBounds would, zoomSnap 0.25, max 18),
     for a map of the current view's size in pixels. */
  function goalOf(target, now) {
    if (!target || !now) return null;
    const scale = 256 * Math.pow(2, now.zoom);
    const width = (now.east - now.west) * scale;
    const height = (now.south - now.north) * scale;
    let center;
    let zoom;
    if (target.center) {
      center = mercator(target.center[0], target.center[1]);
      zoom = target.zoom;
    } else if (target.bounds) {
      const sw = mercator(target.bounds[0][0], target.bounds[0][1]);
      const ne = mercator(target.bounds[1][0], target.bounds[1][1]);
      const dx = Math.max(ne[0] - sw[0], 1e-9);
      const dy = Math.max(sw[1] - ne[1], 1e-9);
      zoom = Math.log2(Math.min(width / (dx * 256), height / (dy * 256)));
      zoom = Math.max(0, Math.min(18, Math.floor(zoom / 0.25) * 0.25));
      center = [(sw[0] + ne[0]) / 2, (sw[1] + ne[1]) / 2];
    } else {
      return null;
    }
    const s = 256 * Math.pow(2, zoom);
    return {
      zoom: zoom, center: unmercator(center[0], center[1]),
      west: center[0] - width / 2 / s, east: center[0] + width / 2 / s,
      north: center[1] - height / 2 / s, south: center[1] + height / 2 / s,
    };
  }
  /* The view a new map of #map's size (the window's before it is laid out) will show for a
     spec's view, before it says so itself. */
  function firstView(target) {
    const el = mapEl();
    const width = (el && el.clientWidth) || window.innerWidth;
    const height = (el && el.clientHeight) || window.innerHeight;
    if (target.center) return around(target.center, target.zoom, width, height);
    return goalOf(target, { zoom: 0, west: 0, east: width / 256, north: 0, south: height / 256 });
  }
  /* The squares of a view (pad: views more on every side) at an integer zoom. */
  function cellsOf(view, zoom, cell, pad) {
    const s = (256 * Math.pow(2, zoom)) / cell;
    const w = view.east - view.west;
    const hgt = view.south - view.north;
    const top = Math.ceil(s) - 1;
    const clamp = function (v) { return Math.max(0, Math.min(top, v)); };
    return [clamp(Math.floor((view.west - pad * w) * s)), clamp(Math.floor((view.north - pad * hgt) * s)),
            clamp(Math.floor((view.east + pad * w) * s)), clamp(Math.floor((view.south + pad * hgt) * s))];
  }
  function covers(have, want) {
    return have && have[0] <= want[0] && have[1] <= want[1] && have[2] >= want[2] && have[3] >= want[3];
  }
  /* The clusters' url for a view, or the one it has when its squares already cover the view. */
  function clusterUrl(base, hideout, view, st) {
    const cell = hideout.cell || 72;
    const zoom = Math.min(Math.round(view.zoom), (hideout.max_cluster_zoom || 15) + 1);
    const want = cellsOf(view, zoom, cell, 0);
    if (st.base === base && st.zoom === zoom && covers(st.cells, want)) return st.want;
    const r = cellsOf(view, zoom, cell, 0.5);
    const cells = [r[0] - (r[0] % 8), r[1] - (r[1] % 8), r[2] + 7 - (r[2] % 8), r[3] + 7 - (r[3] % 8)];
    st.base = base;
    st.zoom = zoom;
    st.cells = cells;
    return base + "&z=" + zoom + "&cells=" + cells.join(",");
  }

  /* --- the clientside callbacks ------------------------------------------------------------ */
  const bare = function (search) { return (search || "").replace(/^[?]/, ""); };
  let shownSearch = null;
  let viewKey = null;
  let lastView = null;
  ns.shownSearch = function () { return shownSearch; };
  function ask(search) {
    window.dash_clientside.set_props("map-wanted", { data: { search: search || "", at: Date.now() } });
  }
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    onemap_map: {
      /* map spec + the map's zoom and bounds -> [url, hideout] per layer, then the viewport */
      apply: function (spec, zoom, bounds, _tick, search) {
        const nu = window.dash_clientside.no_update;
        const names = (spec && spec.order) || order;
        const out = [];
        if (!spec) return names.map(function () { return [nu, nu]; }).flat().concat([nu]);
        const ctx = window.dash_clientside.callback_context;
        const specChanged = (ctx.triggered || []).some(function (t) { return t.prop_id === "map-spec.data"; }) ||
          !started;
        if (specChanged) {
          asked = 0;
          if (bare(spec.search) !== bare(search)) {
            // made for a URL the page has left (new data answered for the view the user
            // has just moved on from): never shown; the spec of the page's URL is asked for
            ask(search);
            update();
            return names.map(function () { return [nu, nu]; }).flat().concat([nu]);
          }
          shownSearch = spec.search;
        }
        order = names;
        // (the minute's tick is no report of the map's view)
        const byMap = (ctx.triggered || []).some(function (t) { return /^map\.(zoom|bounds)$/.test(t.prop_id); });
        if (!specChanged && byMap && moving) {
          // the map reports its view once it has arrived (dash-leaflet's trackViewport, on
          // moveend; it takes the moveend event handler for itself)
          moving = false;
          clearTimeout(moveTimer);
          setTimeout(declutter, 0);
        }
        let now = viewOf(zoom, bounds) || lastView;
        if (!now && spec.view) {
          // The map tells its view only once it has drawn it (trackViewport): meanwhile its
          // view is where its bounds or centre put a map of its size, so the clusters are
          // asked for at once, beside the other layers (the view it reports is then covered).
          now = firstView(spec.view);
        }
        if (now) lastView = now;
        let viewport = nu;
        let goal = null;
        if (specChanged && spec.key !== viewKey) {
          if (viewKey !== null) {  // the first view is the map's own (its bounds prop)
            goal = goalOf(spec.view, now);
            const here = now && goal && Math.abs(goal.zoom - now.zoom) < 1e-6 &&
              Math.abs((goal.west + goal.east) / 2 - (now.west + now.east) / 2) < 1e-9 &&
              Math.abs((goal.north + goal.south) / 2 - (now.north + now.south) / 2) < 1e-9;
            if (here) {
              goal = null;  // already there: nothing moves, nothing to wait for
            } else if (goal) {
              const far = now ? Math.abs(goal.zoom - now.zoom) > 4 || spec.view.center : true;
              viewport = {
                center: goal.center, zoom: goal.zoom,
                transition: far ? "flyTo" : "setView",
                options: far ? { duration: 0.6 } : { animate: true },
              };
            } else {
              viewport = spec.view.center
                ? { center: spec.view.center, zoom: spec.view.zoom, transition: "flyTo" }
                : { bounds: spec.view.bounds, transition: "fitBounds" };
            }
            if (viewport !== nu) startMove();
          }
          viewKey = spec.key;
        }
        waitingView = false;
        let changed = false;
        names.forEach(function (name) {
          const conf = spec.layers[name] || {};
          const st = layers[name] || (layers[name] = { id: conf.id, want: null, drawn: null, hideout: null });
          let url = conf.url || null;
          if (url && conf.hideout && conf.hideout.follow) {
            url += "&w=" + Math.floor(Date.now() / 60000);  // the minute: see map_state
          }
          if (url && name === "enterprises") {
            const where = goal || now;
            if (where) url = clusterUrl(url, conf.hideout || {}, where, st);
            else { url = null; waitingView = true; }
          }
          const hideout = Object.assign({}, conf.hideout, { layer: name, url: url });
          if (conf.hideout && conf.hideout.min_zoom !== undefined) {
            // drawn only from its min_zoom up: at the zoom the map shows or is going to
            const where = goal || now;
            hideout.far = !where || where.zoom < conf.hideout.min_zoom;
          }
          const same = st.hideout && JSON.stringify(hideout) === JSON.stringify(
            Object.assign({}, st.hideout, { nudge: undefined }));
          if (url === st.want && same) {
            out.push(nu, nu);
            return;
          }
          if (url !== st.want) {
            st.want = url;
            if (!url) { st.drawn = null; st.cells = null; st.base = null; }
          }
          st.hideout = hideout;
          out.push(url === null ? null : url, hideout);
          changed = true;
        });
        started = true;
        // any change of what the map shows (a layer switched off or restyled too) is a
        // moment of not-ready, until it has been drawn and painted
        if (changed || viewport !== nu) write("false");
        update();
        return out.concat([viewport]);
      },
      /* The URL changed: only a URL the map spec was not made for (back/forward) asks the
         server for a spec of its own. */
      gate: function (search, spec) {
        if (spec && bare(spec.search) === bare(search)) return window.dash_clientside.no_update;
        return { search: search || "", at: Date.now() };
      },
      /* A map spec was asked of the server (by the gate, the stale guard, or anyone). */
      asked: function () {
        asked += 1;
        update();
        return window.dash_clientside.no_update;
      },
    },
  });
})();
