// The briefing slides (/brief/): one slide at a time, moved with the keyboard (→ ← PageDown
// PageUp Space Home End), the slide's number kept in the URL (?slide=N) so a link opens the
// same slide. The deck is Dash's (dashboard.brief): when its poll draws the slides again with
// new figures, the slide shown stays the one shown.
(function () {
  "use strict";
  var current = 1;

  function slides() {
    return document.querySelectorAll("#brief-deck > .slide");
  }

  function fromUrl() {
    var n = parseInt(new URLSearchParams(window.location.search).get("slide") || "1", 10);
    return isFinite(n) && n >= 1 && n <= 999 ? n : 1;
  }

  function show(n, keepUrl) {
    var all = slides();
    if (!all.length) return;
    current = Math.max(1, Math.min(all.length, n));
    for (var i = 0; i < all.length; i++) {
      all[i].classList.toggle("on", i + 1 === current);
    }
    var counter = document.getElementById("brief-counter");
    if (counter) counter.textContent = current + " / " + all.length;
    if (!keepUrl) {
      var params = new URLSearchParams(window.location.search);
      params.set("slide", String(current));
      // replaceState: a new history entry per slide would make Back walk the slides
      window.history.replaceState(window.history.state, "", "?" + params.toString());
    }
    // a graph drawn while hidden has no size: tell Plotly's resize handler to look again
    window.dispatchEvent(new Event("resize"));
  }

  document.addEventListener("keydown", function (event) {
    if (!slides().length || event.altKey || event.ctrlKey || event.metaKey) return;
    var next = {
      ArrowRight: current + 1, PageDown: current + 1, " ": current + 1, ArrowDown: current + 1,
      ArrowLeft: current - 1, PageUp: current - 1, ArrowUp: current - 1,
      Home: 1, End: slides().length,
    }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    show(next);
  });

  // the deck arrives after Dash starts, and again after each redraw
  new MutationObserver(function () {
    var deck = document.getElementById("brief-deck");
    if (deck && !deck.dataset.watched) {
      deck.dataset.watched = "1";
      show(fromUrl(), true);
      new MutationObserver(function () { show(current, true); }).observe(deck, { childList: true });
    }
  }).observe(document.documentElement, { childList: true, subtree: true });

  window.onemap = window.onemap || {};
  window.onemap.brief = function () { return { slide: current, slides: slides().length }; };
})();
