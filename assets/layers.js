/* Map layer functions for dash-leaflet (referenced as {"variable": "onemap.<name>"}) and the
   data-map-ready watchdog. Text that comes from data is only ever set with textContent. */
window.onemap = window.onemap || {};
(function (ns) {
  "use strict";
  const CLASS_COLORS = { green: "#2e9e4f", blue: "#2f6fdb", yellow: "#f0b400", red: "#d93025" };
  const CLASS_RANK = { green: 0, blue: 1, yellow: 2, red: 3 };
  const RANK_CLASS = ["green", "blue", "yellow", "red"];

  /* An element whose text lines come from data: safe against markup in names. */
  function textBlock(lines) {
    const box = document.createElement("div");
    lines.forEach(function (line, i) {
      const el = document.createElement(i === 0 ? "strong" : "div");
      el.textContent = line;
      box.appendChild(el);
    });
    return box;
  }
  ns.textBlock = textBlock;

  function label(context, key, fallback) {
    const labels = (context && context.hideout && context.hideout.labels) || {};
    return labels[key] || fallback || key;
  }

  /* --- grids ------------------------------------------------------------------------ */
  let gridHideout = {};
  ns.gridStyle = function (feature, context) {
    const h = (context && context.hideout) || {};
    gridHideout = h;
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
  ns.gridTooltip = function (feature, layer, context) {
    // Keep the map at hand (for the watchdog and tests turning positions into pixels).
    layer.once("add", function () { ns.map = layer._map; });
    layer.bindTooltip(function () {
      const p = feature.properties;
      const lines = [p.name];
      const m = gridHideout.metric;
      if (m && m !== "none") {
        const v = m === "rate" ? (p[m] * 100).toFixed(2) + "%" : String(p[m]);
        lines.push(label({ hideout: gridHideout }, "metric." + m, m) + ": " + v);
      }
      return textBlock(lines);
    }, { sticky: true, className: "onemap-tip" });
  };

  /* --- enterprises ------------------------------------------------------------------ */
  ns.enterprisePoint = function (feature, latlng, context) {
    const k = feature.properties.safety_class;
    const selected = context && context.hideout && context.hideout.selected === feature.properties.credit_code;
    return L.circleMarker(latlng, {
      radius: selected ? 18 : k === "red" ? 6 : 4.5, weight: selected ? 4 : 1,
      color: selected ? "#ffd84d" : "#0b1320", opacity: selected ? 1 : 0.8,
      fillColor: CLASS_COLORS[k] || "#888", fillOpacity: 0.95,
    });
  };
  // Class counts under each cluster (the worst class fills it, the ring shows the mix),
  // memoised per supercluster index, which dash-leaflet rebuilds on new data.
  const mixCache = new WeakMap();
  function classMix(index, clusterId) {
    let cache = mixCache.get(index);
    if (!cache) { cache = new Map(); mixCache.set(index, cache); }
    if (cache.has(clusterId)) return cache.get(clusterId);
    const counts = [0, 0, 0, 0];
    const leaves = index.getLeaves(clusterId, Infinity);
    for (let i = 0; i < leaves.length; i++) counts[CLASS_RANK[leaves[i].properties.safety_class] || 0] += 1;
    let worst = 0;
    for (let r = 3; r >= 0; r--) { if (counts[r] > 0) { worst = r; break; } }
    const mix = { counts: counts, worst: RANK_CLASS[worst] };
    cache.set(clusterId, mix);
    return mix;
  }
  function ring(counts) {
    const total = counts.reduce(function (a, b) { return a + b; }, 0) || 1;
    let at = 0;
    const stops = counts.map(function (n, r) {
      const from = at;
      at += (n / total) * 360;
      return CLASS_COLORS[RANK_CLASS[r]] + " " + from.toFixed(1) + "deg " + at.toFixed(1) + "deg";
    });
    return "conic-gradient(" + stops.join(", ") + ")";
  }
  function clusterCount(n, context) {
    if (n < 10000) return String(n);
    const lang = (context && context.hideout && context.hideout.lang) || "zh";
    return lang === "zh" ? (n / 10000).toFixed(1) + label(context, "unit.wan", "万") : Math.round(n / 1000) + "k";
  }
  ns.enterpriseCluster = function (feature, latlng, index, context) {
    const n = feature.properties.point_count;
    const mix = classMix(index, feature.properties.cluster_id);
    const size = Math.round(24 + Math.min(18, Math.log10(n) * 7));
    const el = document.createElement("div");
    el.className = "onemap-cluster cluster-" + mix.worst;
    el.style.background = ring(mix.counts);
    el.style.width = el.style.height = size + "px";
    const inner = document.createElement("span");
    inner.textContent = clusterCount(n, context);
    inner.style.lineHeight = (size - 8) + "px";
    el.appendChild(inner);
    const icon = L.divIcon({ html: el, className: "", iconSize: L.point(size, size) });
    return L.marker(latlng, { icon: icon, zIndexOffset: mix.worst === "red" ? 1000 : 0 });
  };
  ns.enterpriseTooltip = function (feature, layer, context) {
    const p = feature.properties;
    if (p.cluster) return;
    layer.bindTooltip(function () {
      return textBlock([p.name, label(context, "class." + p.safety_class, p.safety_class) + " · " + p.credit_code]);
    }, { className: "onemap-tip" });
  };

  /* --- point symbols ---------------------------------------------------------------- */
  function symbol(latlng, className, text, tipLines, z) {
    const el = document.createElement("div");
    el.className = className;
    const span = document.createElement("span");
    span.textContent = text;
    el.appendChild(span);
    const marker = L.marker(latlng, {
      icon: L.divIcon({ html: el, className: "", iconSize: L.point(26, 26) }),
      zIndexOffset: z || 0,
    });
    marker.bindTooltip(function () { return textBlock(tipLines); }, { className: "onemap-tip" });
    return marker;
  }
  ns.hazardPoint = function (feature, latlng, context) {
    const p = feature.properties;
    const control = label(context, "control." + p.control_status, p.control_status);
    return symbol(latlng, "onemap-hazard hazard-l" + p.level, String(p.level), [
      p.name, p.enterprise,
      label(context, "hazard.level", "level") + " " + p.level + " · R = " + p.r_value,
      control,
    ], 2000);
  };
  ns.listedPoint = function (feature, latlng, context) {
    const p = feature.properties;
    const cls = "onemap-listed listed-" + p.listing_level + (p.overdue ? " overdue" : "");
    return symbol(latlng, cls, label(context, "listing.short." + p.listing_level, "!"), [
      p.description || "", (p.enterprise || "") + " " + (p.listing_body || ""),
      label(context, "listed.deadline", "deadline") + " " + (p.deadline || "") +
        (p.overdue ? " · " + label(context, "listed.overdue", "overdue") : ""),
    ], 3000);
  };
  ns.alarmPoint = function (feature, latlng, context) {
    const p = feature.properties;
    const cls = "onemap-alarm alarm-l" + p.level + (p.escalated ? " escalated" : "") +
      (p.recovered ? " recovered" : "");
    const lines = [
      p.enterprise || "",
      p.sensor + " · " + label(context, "alarm.level_" + p.level, "") + " · " +
        label(context, "alarm.rule." + p.rule, p.rule) +
        (p.count > 1 ? " ×" + p.count : ""),
      label(context, "alarm.state." + p.state, p.state) +
        (p.recovered ? " · " + label(context, "alarm.recovered", "") : ""),
    ];
    if (p.peak !== null && p.peak !== undefined) {
      lines.push(label(context, "alarm.peak", "peak") + " " + p.peak + " " + (p.unit || ""));
    }
    if (p.escalated) lines.push(label(context, "alarm.escalated", "escalated"));
    return symbol(latlng, cls, p.level === 2 ? "!" : "·", lines, 4000 + p.level * 1000);
  };

  /* --- readiness: data-map-ready on the map container --------------------------------- */
  // Pending = layer fetches, plus Dash updates that touch a layer (they may change a url).
  // Ready = nothing pending for 40 ms after at least one layer loaded, then two frames so
  // the canvas has painted.
  let pending = 0;
  let loads = 0;
  let timer = null;
  function setReady(value) {
    const el = document.getElementById("map");
    if (el) el.setAttribute("data-map-ready", value ? "true" : "false");
  }
  function settle() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (pending !== 0 || loads === 0) return;
      requestAnimationFrame(function () {
        requestAnimationFrame(function () { if (pending === 0) setReady(true); });
      });
    }, 40);
  }
  ns.readiness = function () { return { pending: pending, loads: loads }; };
  const originalFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : (input && input.url) || "";
    const isLayer = url.indexOf("/api/layers/") >= 0;
    const isLayerUpdate = url.indexOf("_dash-update-component") >= 0 && init &&
      typeof init.body === "string" && init.body.indexOf("layer-") >= 0;
    if (!isLayer && !isLayerUpdate) return originalFetch(input, init);
    pending += 1;
    clearTimeout(timer);
    setReady(false);
    let finished = false;
    function done() {
      if (finished) return;
      finished = true;
      pending -= 1;
      if (isLayer) loads += 1;
      settle();
    }
    return originalFetch(input, init).then(function (response) {
      if (isLayer) {
        // dash-leaflet parses the body, then draws synchronously: count it done after that.
        const json = response.json.bind(response);
        response.json = function () {
          return json().then(function (d) { setTimeout(done, 0); return d; },
                             function (e) { done(); throw e; });
        };
        if (!response.ok) done();
      } else {
        setTimeout(done, 0);
      }
      return response;
    }, function (err) { done(); throw err; });
  };
})(window.onemap);
