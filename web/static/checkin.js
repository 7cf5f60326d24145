// The citizen's check-in (checkin.html): "scan with camera" reads the
// place code on a venue's poster (camera.js, jsQR) and sends the form as
// if it had been pasted; the answer is the server's page. A clock ticks on
// the answer, so the staff at the door see it is not a screenshot.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };

  // ---- The answer: focused (read out), with a live clock.
  var result = $("ci-result");
  if (result) result.focus();
  var clock = $("ci-clock");
  if (clock) {
    var offset = Number(clock.dataset.now) - Date.now(); // the server's clock
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var tick = function () {
      var d = new Date(Date.now() + offset + 8 * 3600 * 1000); // China Standard Time
      clock.textContent = d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
        " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
    };
    tick();
    setInterval(tick, 1000);
  }

  // ---- The camera.
  var form = $("ci-form"), btn = $("ci-camera"), box = $("ci-camera-box"), video = $("ci-video"), camMsg = $("ci-camera-msg");
  var input = $("f-place-code");
  if (!form || !btn || !input || !window.HCCamera) return;
  var ds = form.dataset;
  function msg(name) {
    return ds["msg" + name.replace(/(^|-)([a-z])/g, function (_, __, c) { return c.toUpperCase(); })] || "";
  }
  var cam = null, sending = false;
  function stop() {
    if (cam) cam.stop();
    cam = null;
    box.hidden = true;
    btn.textContent = msg("camera-start");
    btn.setAttribute("aria-pressed", "false");
  }
  function onCode(text) {
    text = text.trim();
    if (text.indexOf("CNPC1:") !== 0) {
      camMsg.textContent = msg(text.indexOf("CNHC1:") === 0 ? "health-code" : "not-place");
      return;
    }
    sending = true;
    camMsg.textContent = msg("sending");
    input.value = text;
    stop();
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }
  async function start() {
    box.hidden = false;
    camMsg.textContent = "";
    try {
      cam = await window.HCCamera.start(video, { onCode: onCode, ready: function () { return !sending; } });
    } catch (e) {
      box.hidden = false;
      camMsg.textContent = msg(e && e.name === "none" ? "camera-none" : e && e.name === "unsupported" ? "camera-unsupported" : "camera-denied");
      video.hidden = true;
      return;
    }
    video.hidden = false;
    btn.textContent = msg("camera-stop");
    btn.setAttribute("aria-pressed", "true");
    camMsg.textContent = msg("camera-on");
  }
  btn.addEventListener("click", function () {
    if (cam) stop();
    else start();
  });
  // Without getUserMedia (not a secure context) the button says why.
  btn.hidden = false;
})();
