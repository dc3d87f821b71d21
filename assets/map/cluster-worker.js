/* Enterprise clusters off the page's main thread: this worker parses the enterprises'
   GeoJSON, indexes it with supercluster and answers "clusters in this box at this zoom".
   Each cluster carries its class counts (green, blue, yellow, red), so the page can fill
   it with the worst class inside: a red enterprise never hides in a green cluster. */
importScripts("supercluster.min.js");

const RANK = { green: 0, blue: 1, yellow: 2, red: 3 };
// Cluster until zoom 15, then every enterprise is its own dot; a wide radius keeps the
// county view to a readable number of clusters.
const OPTIONS = { radius: 90, maxZoom: 15, minPoints: 3 };
let index = null;
let loaded = null; // the url the index holds

function build(features) {
  return new Supercluster(Object.assign({}, OPTIONS, {
    map: function (p) {
      const mix = [0, 0, 0, 0];
      mix[RANK[p.safety_class] || 0] = 1;
      return { mix: mix };
    },
    reduce: function (acc, p) {
      for (let i = 0; i < 4; i++) acc.mix[i] += p.mix[i];
    },
  })).load(features);
}

self.onmessage = function (event) {
  const m = event.data;
  if (m.type === "load") {
    // the page fetched the bytes (its preload started with the HTML) and handed them over
    try {
      const doc = JSON.parse(new TextDecoder().decode(m.bytes));
      index = build(doc.features || []);
      loaded = m.url;
      self.postMessage({ type: "loaded", url: m.url, count: (doc.features || []).length });
    } catch (err) {
      self.postMessage({ type: "error", url: m.url, message: String(err) });
    }
  } else if (m.type === "clusters") {
    const features = index && loaded === m.url ? index.getClusters(m.bbox, m.zoom) : [];
    self.postMessage({ type: "clusters", url: m.url, req: m.req, features: features });
  } else if (m.type === "expand") {
    let zoom = m.zoom + 2;
    try { zoom = index.getClusterExpansionZoom(m.id); } catch (e) { /* a stale cluster */ }
    self.postMessage({ type: "expand", latlng: m.latlng, zoom: zoom });
  }
};
