// A venue's page: the occupancy follows the API every 10 seconds, with
// the session cookie (same origin). Without script the page shows the
// figure it was served with.
(function () {
  "use strict";
  var box = document.getElementById("occupancy");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-url");
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function show(o) {
    var inside = document.getElementById("occ-inside");
    if (inside) { inside.textContent = String(o.occupancy); }
    var meter = document.getElementById("occ-meter");
    if (meter) { meter.value = o.occupancy; meter.textContent = o.occupancy + " / " + o.capacity; }
    var pct = document.getElementById("occ-pct");
    if (pct && o.capacity > 0) { pct.textContent = String(Math.min(100, Math.floor(o.occupancy * 100 / o.capacity))); }
    var full = document.getElementById("occ-full");
    if (full) { full.hidden = !o.full; }
    var at = document.getElementById("occ-at");
    if (at && o.at) {
      // China Standard Time, as the server writes it.
      var d = new Date(Date.parse(o.at) + 8 * 3600 * 1000);
      at.setAttribute("datetime", o.at);
      at.textContent = d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
        pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
    }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (o) { if (o) { show(o); } })
      .catch(function () {});
  }
  setInterval(poll, 10000);
})();
