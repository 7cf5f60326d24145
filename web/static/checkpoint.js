// The checkpoint page (checkpoint.html): codes come from a USB scanner
// (it types the code and Enter into the focused field), from the field by
// hand, or from the camera (camera.js: jsQR on frames drawn into a
// canvas). Each goes to POST /api/v1/scans, same-origin with the session
// cookie; the verdict fills the screen with its words, a mark and a
// sound, and is read out by screen readers. When the node cannot be
// reached the code is judged here (hcode.js) with the trust list and the
// venue's policy kept in localStorage, queued with this device's sequence
// numbers, and uploaded with POST /api/v1/scans/batch once the node
// answers again.
(function () {
  "use strict";
  var root = document.getElementById("checkpoint");
  if (!root) return;
  var ds = root.dataset;
  var lang = ds.lang;
  var $ = function (id) { return document.getElementById(id); };
  var input = $("scan-code"), form = $("scan-form"), result = $("result"), live = $("live");
  var SCAN_TIMEOUT = 5000, OCC_EVERY = 10000, CACHE_EVERY = 10 * 60 * 1000, UPLOAD_EVERY = 15000;
  var PASS_SHOWN = 3000, DENY_SHOWN = 6000, BATCH = 1000;

  function msg(name, n) {
    var key = "msg" + name.replace(/(^|-)([a-z])/g, function (_, __, c) { return c.toUpperCase(); });
    var s = ds[key] || "";
    return n === undefined ? s : s.replace("%d", n);
  }

  // What this device keeps, per device token.
  var prefix = "hc.checkpoint." + ds.device + ".";
  var store = {
    get: function (k, def) {
      try {
        var v = localStorage.getItem(prefix + k);
        return v === null ? def : JSON.parse(v);
      } catch (e) {
        return def;
      }
    },
    set: function (k, v) {
      try {
        localStorage.setItem(prefix + k, JSON.stringify(v));
      } catch (e) { /* full or disabled: the page still scans online */ }
    }
  };

  // ---- The direction switch, remembered.
  var radios = document.querySelectorAll('input[name="direction"]');
  function direction() {
    for (var i = 0; i < radios.length; i++) if (radios[i].checked) return radios[i].value;
    return "in";
  }
  var savedDir = store.get("direction", "in");
  radios.forEach(function (r) {
    r.checked = r.value === savedDir;
    r.addEventListener("change", function () { store.set("direction", direction()); });
  });

  // ---- Online state and the queue of offline scans.
  var online = true;
  function queue() { return store.get("queue", []); }
  function showNet() {
    $("net-state").textContent = online ? msg("online") : msg("offline");
    $("net").classList.toggle("cp-offline", !online);
    var n = queue().length;
    $("net-queue").textContent = n ? msg("queued", n) : "";
  }
  function setOnline(on) {
    if (on === online) return;
    online = on;
    showNet();
    if (on) upload();
  }
  function nextSeq() {
    // Increasing on this device, and far apart between browsers sharing a
    // token: (device, seq) is stored once by the node.
    var seq = Math.max(store.get("seq", 0) + 1, Date.now());
    store.set("seq", seq);
    return seq;
  }

  // fetchJSON calls the node with a deadline; network failures, timeouts
  // and 5xx answers are "offline" (status 0).
  async function call(method, url, body, timeout) {
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, timeout || SCAN_TIMEOUT);
    try {
      var res = await fetch(url, {
        method: method, credentials: "same-origin", cache: "no-store", redirect: "manual", signal: ctl.signal,
        headers: body === undefined ? { "Accept": "application/json" } : { "Accept": "application/json", "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body)
      });
      if (res.type === "opaqueredirect") return { status: 401 }; // the page's sign-in
      if (res.status >= 500) return { status: 0 };
      var data = null;
      try { data = await res.json(); } catch (e) { /* not JSON */ }
      return { status: res.status, data: data };
    } catch (e) {
      return { status: 0 };
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- What the device keeps for offline: its venue and policy, the trust list.
  function policy() {
    var cp = store.get("checkpoint", null);
    if (cp && cp.venue && cp.venue.policy) return cp.venue.policy;
    try { return JSON.parse(ds.policy); } catch (e) { return null; }
  }
  async function refreshCache() {
    var r = await call("GET", "/api/v1/checkpoint");
    if (r.status === 0) { setOnline(false); return; }
    setOnline(true);
    if (r.status === 401) { signedOut(); return; }
    if (r.status === 200 && r.data) store.set("checkpoint", { venue: r.data.venue, server_time: r.data.server_time, at: new Date().toISOString() });
    try {
      var res = await fetch("/api/v1/trust", { credentials: "same-origin", cache: "no-store" });
      if (res.ok) store.set("trust", await res.text());
    } catch (e) { /* kept from before */ }
  }

  // ---- Occupancy against capacity.
  async function refreshOccupancy() {
    var r = await call("GET", "/api/v1/venues/" + encodeURIComponent(ds.venue) + "/occupancy");
    if (r.status === 0) { setOnline(false); return; }
    if (r.status === 401) { signedOut(); return; }
    if (r.status !== 200 || !r.data) return;
    setOnline(true);
    var d = r.data;
    $("occ-n").textContent = d.occupancy;
    var meter = $("occ-meter");
    if (meter) meter.value = d.occupancy;
    $("occ-full").hidden = !d.full;
  }

  // ---- Sounds: a high beep for a pass, a low double beep for a deny.
  var audio = null;
  function beep(tones) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      var t0 = audio.currentTime + 0.01;
      tones.forEach(function (t) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.type = t.type;
        osc.frequency.value = t.f;
        gain.gain.setValueAtTime(0.0001, t0 + t.at);
        gain.gain.exponentialRampToValueAtTime(0.4, t0 + t.at + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + t.at + t.d);
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(t0 + t.at);
        osc.stop(t0 + t.at + t.d + 0.02);
      });
    } catch (e) { /* no sound: the words and colour still show */ }
  }
  var PASS_SOUND = [{ f: 1320, at: 0, d: 0.18, type: "sine" }];
  var DENY_SOUND = [{ f: 220, at: 0, d: 0.22, type: "square" }, { f: 220, at: 0.32, d: 0.22, type: "square" }];

  // ---- The verdict, full-screen.
  var hideTimer = null, shownAt = 0;
  function reasonText(code) {
    var li = document.querySelector('#reason-texts li[data-code="' + code + '"]');
    return li ? li.textContent : code;
  }
  function show(v) {
    // v: {kind: "pass"|"deny"|"pending", reasons: [text], holder, note}
    var kind = v.kind;
    result.className = "cp-result cp-" + kind;
    $("result-mark").textContent = kind === "deny" ? "✕" : kind === "pending" ? "?" : "✓";
    $("result-word").textContent = msg(kind);
    $("result-other").textContent = msg(kind + "-other");
    $("result-holder").textContent = v.holder || "";
    var ul = $("result-reasons");
    ul.textContent = "";
    (v.reasons || []).forEach(function (t) {
      var li = document.createElement("li");
      li.textContent = t;
      ul.appendChild(li);
    });
    $("result-note").textContent = v.note || "";
    result.hidden = false;
    shownAt = Date.now();
    live.textContent = [msg(kind), v.holder, (v.reasons || []).join("; "), v.note].filter(Boolean).join(". ");
    beep(kind === "deny" ? DENY_SOUND : PASS_SOUND);
    clearTimeout(hideTimer);
    hideTimer = setTimeout(dismiss, kind === "deny" ? DENY_SHOWN : PASS_SHOWN);
  }
  function dismiss() {
    clearTimeout(hideTimer);
    result.hidden = true;
    cameraPausedUntil = Date.now() + 1000;
    input.focus();
  }
  function holderLine(name, id, colour, action) {
    var parts = [];
    if (colour) parts.push(msg("colour-" + colour));
    if (action) parts.push(msg("action"));
    if (name) parts.push(name);
    if (id) parts.push(id);
    return parts.join(" · ");
  }
  function showMessage(text) {
    live.textContent = text;
    var hint = $("scan-hint");
    hint.textContent = text;
    hint.classList.add("field-error");
  }
  function signedOut() { showMessage(msg("signed-out")); }

  // ---- A scan.
  var busy = false;
  async function submit(code) {
    code = code.trim();
    if (!code) {
      if (!result.hidden) dismiss();
      else showMessage(msg("empty"));
      return;
    }
    if (busy) return;
    busy = true;
    try {
      var dir = direction();
      var r = await call("POST", "/api/v1/scans", { code: code, direction: dir });
      if (r.status === 0) {
        setOnline(false);
        await offlineScan(code, dir);
        return;
      }
      setOnline(true);
      if (r.status === 401) { signedOut(); return; }
      if (r.status !== 200 || !r.data) {
        showMessage((r.data && r.data.error && r.data.error.message) || msg("error"));
        return;
      }
      var d = r.data;
      show({
        kind: d.verdict === "pass" ? "pass" : "deny",
        reasons: (d.reasons || []).map(function (x) { return lang === "en" ? x.text_en : x.text_zh; }),
        holder: holderLine(d.name, d.id, d.colour, d.action_required)
      });
      refreshOccupancy();
    } finally {
      busy = false;
    }
  }

  // offlineScan judges code on this device, shows the verdict and queues
  // the scan for the node.
  async function offlineScan(code, dir) {
    var now = Date.now(), kind, reasons = [], c = null, note = msg("offline-note");
    var v = window.HCode ? await window.HCode.verify(code, store.get("trust", ""), now) : { unverified: true };
    if (v.claims) c = v.claims;
    if (v.valid) {
      var dec = window.HCode.decide(policy(), c, dir, now);
      kind = dec.verdict;
      reasons = dec.reasons;
    } else if (v.unverified && c) {
      // This browser cannot check the signature: the claims decide what
      // they can deny; what they would admit passes, pending verification.
      var d2 = now / 1000 > c.exp ? { verdict: "deny", reasons: ["expired"] } : window.HCode.decide(policy(), c, dir, now);
      kind = d2.verdict === "pass" ? "pending" : "deny";
      reasons = d2.reasons;
      if (kind === "pending") note = msg("pending-note");
    } else if (v.unverified) {
      kind = "pending";
      note = msg("pending-note");
    } else if (dir === "out") {
      kind = "pass"; // nobody is kept inside
    } else {
      kind = "deny";
      reasons = [window.HCode.denyReason(v.error, code)];
    }
    var q = queue();
    q.push({
      seq: nextSeq(), scanned_at: new Date(now).toISOString(), direction: dir,
      verdict: kind === "deny" ? "deny" : "pass", reasons: kind === "deny" ? reasons : [], code: code
    });
    store.set("queue", q);
    showNet();
    show({
      kind: kind, reasons: reasons.map(reasonText), note: note,
      holder: c && !v.unverified ? holderLine(c.name, c.id, c.colourName, c.action) : ""
    });
  }

  // upload sends the queued scans, a batch at a time; what the node took
  // (or already had, or refused as malformed) leaves the queue.
  var uploading = false;
  async function upload() {
    if (uploading || !queue().length) return;
    uploading = true;
    try {
      for (;;) {
        var batch = queue().slice(0, BATCH);
        if (!batch.length) break;
        var r = await call("POST", "/api/v1/scans/batch", { device_time: new Date().toISOString(), scans: batch }, 30000);
        if (r.status === 0) { setOnline(false); break; }
        if (r.status === 401) { signedOut(); break; }
        if (r.status !== 200 || !r.data) break;
        setOnline(true);
        var sent = new Set(batch.map(function (s) { return s.seq; }));
        store.set("queue", queue().filter(function (s) { return !sent.has(s.seq); }));
        live.textContent = msg("uploaded", r.data.accepted + r.data.duplicate);
        showNet();
        refreshOccupancy();
      }
    } finally {
      uploading = false;
    }
  }

  // ---- The field: a USB scanner types into it and presses Enter.
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var code = input.value;
    input.value = "";
    var hint = $("scan-hint");
    hint.classList.remove("field-error");
    hint.textContent = hint.dataset.text;
    submit(code);
  });
  $("scan-hint").dataset.text = $("scan-hint").textContent;
  $("result-next").addEventListener("click", dismiss);
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !result.hidden) {
      dismiss();
      return;
    }
    // A scanner typing while the focus is elsewhere (the direction switch
    // after a tap): its characters go to the field.
    var t = e.target;
    var typing = t === input || (t.tagName === "INPUT" && t.type === "text") || t.tagName === "TEXTAREA";
    if (!typing && e.key.length === 1 && e.key !== " " && !e.ctrlKey && !e.metaKey && !e.altKey) {
      input.focus();
    }
  }, true);

  // ---- The camera (camera.js reads the codes).
  var camBtn = $("camera"), camBox = $("camera-box"), video = $("camera-video"), camMsg = $("camera-msg");
  var cam = null, cameraPausedUntil = 0;
  function stopCamera() {
    if (cam) cam.stop();
    cam = null;
    camBox.hidden = true;
    camBtn.textContent = msg("camera-start");
    camBtn.setAttribute("aria-pressed", "false");
  }
  async function startCamera() {
    camBox.hidden = false;
    try {
      cam = await window.HCCamera.start(video, {
        onCode: submit,
        ready: function () { return !busy && result.hidden && Date.now() >= cameraPausedUntil; }
      });
    } catch (e) {
      camBox.hidden = true;
      showMessage(msg(e && e.name === "none" ? "camera-none" : "camera-denied"));
      return;
    }
    camBtn.textContent = msg("camera-stop");
    camBtn.setAttribute("aria-pressed", "true");
    camMsg.textContent = msg("camera-on");
  }
  camBtn.addEventListener("click", function () {
    if (cam) stopCamera();
    else startCamera();
  });

  // ---- Start.
  showNet();
  refreshCache().then(upload);
  setInterval(refreshOccupancy, OCC_EVERY);
  setInterval(refreshCache, CACHE_EVERY);
  setInterval(upload, UPLOAD_EVERY);
  window.addEventListener("online", function () { refreshCache().then(upload); });
  window.addEventListener("offline", function () { setOnline(false); });
  input.focus();
})();
