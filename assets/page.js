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
  },
});
