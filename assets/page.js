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
    /* The legend names the layers that are switched off, so their parts hide (app.css). */
    legend_class: function (shown) {
      const all = ["enterprises", "major_hazards", "listed_dangers", "alarms"];
      const off = all.filter(function (name) { return (shown || []).indexOf(name) < 0; });
      return ["legend"].concat(off.map(function (name) { return "off-" + name; })).join(" ");
    },
  },
});
