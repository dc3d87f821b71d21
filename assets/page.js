/* Page chrome in the browser (callbacks/chrome.py): the language and theme switches link to
   the view in the URL, with the other language or theme. Defaults are left out of the
   link, as the server's encode_query does. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  onemap_page: {
    switch_links: function (search, page) {
      function other(key, value, fallback) {
        const params = new URLSearchParams(search || "");
        if (value === fallback) params.delete(key);
        else params.set(key, value);
        const query = params.toString().replace(/%2C/g, ",");
        return query ? "?" + query : "?";
      }
      return [
        other("lang", page.lang === "zh" ? "en" : "zh", page.default_lang),
        other("theme", page.theme === "light" ? "dark" : "light", "dark"),
      ];
    },
    /* The search list closes once the user has gone somewhere: Enter in the box, or a click
       on a hit (search hits and the alarm strip's items share the type); typing opens it.
       Enter at once after typing comes before the box sends its value (debounce): that late
       value is the one Enter flew to, not new typing, so it leaves the list closed. */
    search_list: function (value) {
      const page = window.dash_clientside.onemap_page;  // page.searchEcho: what Enter flew to
      const ctx = window.dash_clientside.callback_context;
      const trig = ctx.triggered || [];
      const fired = function (prop) { return trig.some(function (t) { return t.prop_id === prop; }); };
      const picked = trig.some(function (t) { return /\.n_clicks$/.test(t.prop_id) && t.value; });
      if (fired("search.n_submit")) {
        const box = document.getElementById("search");
        page.searchEcho = box && box.value !== (value || "") ? box.value : null;
        return "search-results closed";
      }
      if (picked) {
        page.searchEcho = null;
        return "search-results closed";
      }
      if (!fired("search.value")) return window.dash_clientside.no_update;
      const echo = page.searchEcho != null && (value || "") === page.searchEcho;
      page.searchEcho = null;
      return echo ? window.dash_clientside.no_update : "search-results";
    },
    /* A click on a link that a callback drew (breadcrumb, search hits, alarm strip, panel
       tabs, campaign picks, dossier close, table rows), or nothing. Dash calls this also
       when such links are drawn again (a drill redraws the breadcrumb and the tab bar: the
       pattern's list changed), with no click in them: those calls end here, in the
       browser, instead of a server call whose map-spec output the map would wait for. A
       click is a value that is set and differs from the last one seen for that prop. */
    link_event: function () {
      const page = window.dash_clientside.onemap_page;
      const seen = page.linkSeen || (page.linkSeen = new Map());
      if (seen.size > 5000) seen.clear();  // a wall runs for weeks; a cleared memory is safe
      let event = null;
      (window.dash_clientside.callback_context.triggered || []).forEach(function (t) {
        const before = seen.get(t.prop_id);
        seen.set(t.prop_id, t.value);
        if (event || t.value === null || t.value === undefined || t.value === before) return;
        const dot = t.prop_id.lastIndexOf(".");
        let id = null;
        try { id = JSON.parse(t.prop_id.slice(0, dot)); } catch (e) { return; }
        event = { id: id, prop: t.prop_id.slice(dot + 1), value: t.value, at: Date.now() };
      });
      return event || window.dash_clientside.no_update;
    },
    /* The legend names the layers that are switched off, so their parts hide (app.css). */
    legend_class: function (shown) {
      const all = ["enterprises", "targets", "major_hazards", "listed_dangers", "resources", "alarms"];
      const off = all.filter(function (name) { return (shown || []).indexOf(name) < 0; });
      return ["legend"].concat(off.map(function (name) { return "off-" + name; })).join(" ");
    },
  },
});
