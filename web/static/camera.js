// camera.js: reading QR codes with the device's camera, shared by the
// checkpoint (health codes) and the citizen's check-in (place codes).
// Chromium on Linux has no BarcodeDetector: frames of the camera's video
// are drawn into a canvas and decoded by jsQR (vendor/jsqr.js, loaded
// before this file) several times a second.
//
//   var cam = await HCCamera.start(video, {
//     onCode: function (text) { … },   // a code read
//     ready: function () { return true; }, // false: skip frames (busy)
//     every: 150, repeatAfter: 8000     // ms between frames; the same code again
//   });
//   cam.stop();
//
// start rejects with an Error whose name is "unsupported" (no
// getUserMedia: not a secure context), "none" (no camera) or "denied".
(function () {
  "use strict";

  function fail(name) {
    var e = new Error(name);
    e.name = name;
    return e;
  }

  async function start(video, opts) {
    opts = opts || {};
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw fail("unsupported");
    var stream;
    try {
      // The back camera, where there is one.
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (e) {
      throw fail(e && e.name === "NotFoundError" ? "none" : "denied");
    }
    video.srcObject = stream;
    try { await video.play(); } catch (e) { /* autoplay of a muted video is allowed */ }
    var canvas = document.createElement("canvas");
    var ctx2d = canvas.getContext("2d", { willReadFrequently: true });
    var lastCode = "", lastCodeAt = 0, repeatAfter = opts.repeatAfter || 8000;
    function readFrame() {
      if (!stream || !video.videoWidth || !window.jsQR) return;
      if (opts.ready && !opts.ready()) return;
      var scale = Math.min(1, 800 / Math.max(video.videoWidth, video.videoHeight));
      var w = Math.round(video.videoWidth * scale), h = Math.round(video.videoHeight * scale);
      canvas.width = w;
      canvas.height = h;
      ctx2d.drawImage(video, 0, 0, w, h);
      var found = window.jsQR(ctx2d.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "dontInvert" });
      if (!found || !found.data) return;
      // A code held up stays in view: the same one counts once a while.
      if (found.data === lastCode && Date.now() - lastCodeAt < repeatAfter) return;
      lastCode = found.data;
      lastCodeAt = Date.now();
      if (opts.onCode) opts.onCode(found.data);
    }
    var timer = setInterval(readFrame, opts.every || 150);
    return {
      stop: function () {
        clearInterval(timer);
        if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
        stream = null;
        video.srcObject = null;
      }
    };
  }

  window.HCCamera = { start: start };
})();
