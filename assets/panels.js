/* The tables' library (dash-ag-grid, ~350 KB) is left out of the page's first scripts and
   loaded the first time a tab with tables is asked for; the panel waits for it. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  onemap_panels: {
    need_grids: function (search) {
      const tab = new URLSearchParams(search || "").get("tab");
      if (!tab || tab === "summary") return window.dash_clientside.no_update;
      if (window.dash_ag_grid) return true;
      if (!window.onemapGrids) {
        const config = JSON.parse(document.getElementById("_dash-config").textContent);
        const prefix = config.requests_pathname_prefix || "/";
        window.onemapGrids = new Promise(function (resolve, reject) {
          const s = document.createElement("script");
          s.src = prefix + "_dash-component-suites/dash_ag_grid/dash_ag_grid.min.js";
          s.onload = function () { resolve(true); };
          s.onerror = reject;
          document.head.appendChild(s);
        });
      }
      return window.onemapGrids;
    },
    /* The committee task editor is shown on the committee tab when no dossier is open. */
    editor_class: function (search) {
      const params = new URLSearchParams(search || "");
      const shown = params.get("tab") === "committee" && !params.get("enterprise");
      return shown ? "task-editor" : "task-editor hidden";
    },
  },
});
