/* Alarm signals in the browser: a tone and a flash for new level-2 or escalated alarms
   (the server says which are open; the browser remembers what it has already announced). */
(function () {
  const ns = (window.onemap = window.onemap || {});
  ns.tones = 0;

  ns.alarmTone = function () {
    ns.tones += 1;  // counted even when the browser blocks sound, so a test can see the call
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      ns.audio = ns.audio || new Ctx();
      const ac = ns.audio;
      if (ac.state === "suspended") ac.resume();
      for (let i = 0; i < 3; i++) {
        const osc = ac.createOscillator();
        const gain = ac.createGain();
        osc.frequency.value = i % 2 ? 660 : 880;
        gain.gain.value = 0.18;
        osc.connect(gain);
        gain.connect(ac.destination);
        const t0 = ac.currentTime + i * 0.35;
        osc.start(t0);
        osc.stop(t0 + 0.25);
      }
    } catch (e) { /* no audio device: the flash still shows */ }
  };
  // Browsers allow sound only after a gesture: the first click anywhere unlocks it.
  document.addEventListener("click", function () {
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      ns.audio = ns.audio || new Ctx();
      ns.audio.resume();
    } catch (e) { /* ignore */ }
  }, { once: true, capture: true });

  // Dash's date picker (the dispatch form's due date) names months and weekdays through a
  // date-fns locale the page provides (window.dateFns.locale) and speaks English without one.
  // The Chinese page (its <html lang>, set by the server) gets this small zh-CN one: just what
  // the picker asks of a locale (names of months, weekdays, day periods; long formats).
  if ((document.documentElement.lang || "").indexOf("zh") === 0) {
    const days = ["日", "一", "二", "三", "四", "五", "六"];
    const zhCN = {
      code: "zh-CN",
      localize: {
        ordinalNumber: function (n) { return "第" + n; },
        era: function (i) { return i ? "公元" : "公元前"; },
        quarter: function (q) { return "第" + q + "季度"; },
        month: function (m) { return m + 1 + "月"; },
        day: function (d, o) {
          const width = (o && o.width) || "wide";
          return (width === "wide" ? "星期" : width === "abbreviated" ? "周" : "") + days[d];
        },
        dayPeriod: function (p) { return p === "am" ? "上午" : p === "pm" ? "下午" : p; },
      },
      formatLong: {
        date: function () { return "yyyy-MM-dd"; },
        time: function () { return "HH:mm:ss"; },
        dateTime: function () { return "{{date}} {{time}}"; },
      },
      match: {},
      options: { weekStartsOn: 1, firstWeekContainsDate: 4 },
    };
    window.dateFns = window.dateFns || {};
    window.dateFns.locale = Object.assign({}, window.dateFns.locale, { zhCN: zhCN });
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.onemap_ui = {
    alarmSignal: function (signal, soundOn) {
      const noUpdate = window.dash_clientside.no_update;
      if (!signal) return noUpdate;
      const now = new Set(signal.l2.map(String).concat(signal.esc.map(function (x) { return "e" + x; })));
      const seen = ns.seenAlarms;
      ns.seenAlarms = now;
      if (seen === undefined) return noUpdate;  // the page just opened: nothing is new to it
      const fresh = Array.from(now).filter(function (x) { return !seen.has(x); });
      if (!fresh.length) return noUpdate;
      if (soundOn !== false) ns.alarmTone();
      ns.flashes = (ns.flashes || 0) + 1;
      clearTimeout(ns.flashTimer);
      ns.flashTimer = setTimeout(function () {
        const el = document.getElementById("alarm-flash");
        if (el) el.className = "alarm-flash";
      }, 6000);
      return "alarm-flash on";
    },
    toggleSound: function (n, on) {
      return on === false;
    },
    soundClass: function (on) {
      return on === false ? "sound-toggle muted" : "sound-toggle";
    },
  };
})();
