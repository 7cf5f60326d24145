// "My code": a live clock (a screenshot shows an old time), the time left
// before the code expires, and a fresh code fetched before it does.
(function () {
  "use strict";
  var cd = document.getElementById("countdown");
  var clock = document.getElementById("clock");
  if (!cd || !clock) return;
  var offset = Number(cd.dataset.now) - Date.now(); // the server's clock
  var expires = Number(cd.dataset.expires);
  var reloadAt = Date.now() + Number(cd.dataset.refresh) * 1000;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var now = Date.now() + offset;
    var d = new Date(now + 8 * 3600 * 1000); // China Standard Time
    clock.textContent = d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
      " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
    var left = Math.max(0, Math.floor((expires - now) / 1000));
    cd.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60);
    if (Date.now() >= reloadAt) {
      location.reload();
    }
  }
  tick();
  setInterval(tick, 1000);
})();
