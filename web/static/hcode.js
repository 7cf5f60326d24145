// Offline judging for the checkpoint page (checkpoint.js): a health code
// decoded and verified in the browser as the node's package verify does
// (DESIGN §3: CNHC1:<base45(zlib(COSE_Sign1))>, CWT claims in CBOR, an
// Ed25519 or ES256 signature checked with WebCrypto against the cached
// trust list), then the venue's entry policy applied as package entry
// does. Used only when the node cannot be reached.
(function (global) {
  "use strict";

  var HEALTH_PREFIX = "CNHC1:";
  var PLACE_PREFIX = "CNPC1:";
  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  var SKEW = 5 * 60; // seconds a verifier's clock may lag the issuer's
  var MAX_INFLATED = 64 << 10;
  var MAX_SECONDS = 253402300799;
  var COLOURS = ["green", "yellow", "red"];

  // Refused carries a verifier error code (verify/verdict.go).
  function Refused(code) { this.code = code; }

  var decodeMap = {};
  for (var k = 0; k < ALPHABET.length; k++) decodeMap[ALPHABET.charAt(k)] = k;

  function base45(s) {
    if (s.length % 3 === 1) throw new Refused("bad_base45");
    var out = new Uint8Array(Math.floor(s.length / 3) * 2 + (s.length % 3 === 2 ? 1 : 0));
    var o = 0, i = 0;
    function at(j) {
      var v = decodeMap[s.charAt(j)];
      if (v === undefined) throw new Refused("bad_base45");
      return v;
    }
    for (; i + 2 < s.length; i += 3) {
      var n = at(i) + at(i + 1) * 45 + at(i + 2) * 2025;
      if (n > 0xffff) throw new Refused("bad_base45");
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    }
    if (s.length - i === 2) {
      var m = at(i) + at(i + 1) * 45;
      if (m > 0xff) throw new Refused("bad_base45");
      out[o++] = m;
    }
    return out;
  }

  // inflate reads a zlib stream (DecompressionStream's "deflate" format).
  async function inflate(bytes) {
    if (typeof DecompressionStream === "undefined") throw new Refused("unsupported");
    try {
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
      var buf = await new Response(stream).arrayBuffer();
      if (buf.byteLength > MAX_INFLATED) throw new Error("too large");
      return new Uint8Array(buf);
    } catch (e) {
      throw new Refused("bad_compression");
    }
  }

  // A small CBOR reader (RFC 8949) for what codes hold: integers, byte
  // and text strings, arrays, maps with unique keys, tags, simple values
  // and floats; definite lengths only, nesting and sizes bounded as the
  // node's decoder bounds them. Maps come back as Map.
  function CBOR(bytes, fail) {
    this.b = bytes;
    this.i = 0;
    this.fail = fail;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  CBOR.prototype.need = function (n) {
    if (this.i + n > this.b.length) throw new Refused(this.fail);
  };
  CBOR.prototype.arg = function (ai) {
    var v = this.view, i = this.i, n;
    if (ai < 24) return ai;
    switch (ai) {
      case 24: this.need(1); n = v.getUint8(i); this.i += 1; return n;
      case 25: this.need(2); n = v.getUint16(i); this.i += 2; return n;
      case 26: this.need(4); n = v.getUint32(i); this.i += 4; return n;
      case 27:
        this.need(8);
        var hi = v.getUint32(i), lo = v.getUint32(i + 4);
        this.i += 8;
        if (hi > 0x1fffff) throw new Refused(this.fail); // past 2^53
        return hi * 4294967296 + lo;
    }
    throw new Refused(this.fail); // indefinite lengths and reserved values
  };
  CBOR.prototype.item = function (depth) {
    if (depth > 8) throw new Refused(this.fail);
    this.need(1);
    var ib = this.b[this.i++], major = ib >> 5, ai = ib & 31, n, out, j;
    if (major === 7) {
      var v = this.view, i = this.i;
      switch (ai) {
        case 20: return false;
        case 21: return true;
        case 22: return null;
        case 23: return undefined;
        case 25: this.need(2); this.i += 2; return half(v.getUint16(i));
        case 26: this.need(4); this.i += 4; return v.getFloat32(i);
        case 27: this.need(8); this.i += 8; return v.getFloat64(i);
      }
      throw new Refused(this.fail);
    }
    n = this.arg(ai);
    switch (major) {
      case 0: return n;
      case 1: return -1 - n;
      case 2:
        this.need(n);
        out = this.b.slice(this.i, this.i + n);
        this.i += n;
        return out;
      case 3:
        this.need(n);
        try {
          out = new TextDecoder("utf-8", { fatal: true }).decode(this.b.subarray(this.i, this.i + n));
        } catch (e) {
          throw new Refused(this.fail);
        }
        this.i += n;
        return out;
      case 4:
        if (n > 64) throw new Refused(this.fail);
        out = [];
        for (j = 0; j < n; j++) out.push(this.item(depth + 1));
        return out;
      case 5:
        if (n > 64) throw new Refused(this.fail);
        out = new Map();
        for (j = 0; j < n; j++) {
          var key = this.item(depth + 1);
          if (typeof key !== "number" && typeof key !== "string") throw new Refused(this.fail);
          if (out.has(key)) throw new Refused(this.fail); // two readers must not see two codes
          out.set(key, this.item(depth + 1));
        }
        return out;
      case 6:
        return this.item(depth + 1);
    }
    throw new Refused(this.fail);
  };
  function half(h) {
    var e = (h >> 10) & 0x1f, f = h & 0x3ff, s = h >> 15 ? -1 : 1;
    if (e === 0) return s * Math.pow(2, -14) * (f / 1024);
    if (e === 31) return f ? NaN : s * Infinity;
    return s * Math.pow(2, e - 15) * (1 + f / 1024);
  }
  function cbor(bytes, fail) {
    var d = new CBOR(bytes, fail);
    var v = d.item(0);
    if (d.i !== bytes.length) throw new Refused(fail); // extraneous data
    return v;
  }

  function isInt(x) { return typeof x === "number" && Math.floor(x) === x; }
  function validSeconds(s) { return isInt(s) && s > 0 && s <= MAX_SECONDS; }
  function validRegion(id) { return id === "CN" || /^CN-[0-9]{6}$/.test(id); }
  function bytesHead(n) {
    if (n < 24) return [0x40 | n];
    if (n <= 0xff) return [0x58, n];
    if (n <= 0xffff) return [0x59, n >> 8, n & 0xff];
    return [0x5a, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  }
  function concat(parts) {
    var len = 0, o = 0;
    parts.forEach(function (p) { len += p.length; });
    var out = new Uint8Array(len);
    parts.forEach(function (p) { out.set(p, o); o += p.length; });
    return out;
  }
  // The Sig_structure ["Signature1", protected, h'', payload].
  function toBeSigned(protectedBytes, payload) {
    return concat([
      new Uint8Array([0x84, 0x6a, 83, 105, 103, 110, 97, 116, 117, 114, 101, 49]),
      new Uint8Array(bytesHead(protectedBytes.length)), protectedBytes, new Uint8Array([0x40]),
      new Uint8Array(bytesHead(payload.length)), payload]);
  }

  // parse decodes a health code without any key: its algorithm, kid,
  // claims and what the signature covers.
  async function parse(text) {
    if (text.slice(0, HEALTH_PREFIX.length) !== HEALTH_PREFIX) throw new Refused("bad_prefix");
    var raw = base45(text.slice(HEALTH_PREFIX.length));
    if (raw.length > 0 && raw[0] === 0x78) raw = await inflate(raw);
    var m = cbor(raw, "bad_cose");
    if (!Array.isArray(m) || m.length !== 4 || !(m[0] instanceof Uint8Array) || !(m[2] instanceof Uint8Array) || !(m[3] instanceof Uint8Array)) {
      throw new Refused("bad_cose");
    }
    var h = cbor(m[0], "bad_cose");
    if (!(h instanceof Map) || !isInt(h.get(1)) || !(h.get(4) instanceof Uint8Array) || h.get(4).length === 0) throw new Refused("bad_cose");
    var alg = { "-8": "EdDSA", "-7": "ES256" }[String(h.get(1))];
    if (!alg) throw new Refused("bad_cose");
    return { alg: alg, kid: h.get(4), claims: claims(cbor(m[2], "bad_claims")), tbs: toBeSigned(m[0], m[2]), sig: m[3] };
  }

  // claims checks the CWT claims as the node's healthFromWire does.
  function claims(w) {
    function bad() { throw new Refused("bad_claims"); }
    if (!(w instanceof Map)) bad();
    var hc = w.get("hc");
    if (!(hc instanceof Map) || hc.get("v") !== 1) bad();
    var c = {
      iss: w.get(1), exp: w.has(4) ? w.get(4) : 0, iat: w.get(6),
      subject: hc.get("s"), colour: hc.get("c"), action: hc.has("a") ? hc.get("a") : false,
      name: hc.get("n"), id: hc.get("i"), doses: hc.has("d") ? hc.get("d") : 0, home: hc.has("h") ? hc.get("h") : "",
      test: null
    };
    if (typeof c.iss !== "string" || !validRegion(c.iss)) bad();
    if (!validSeconds(c.iat) || !validSeconds(c.exp) || c.exp <= c.iat) bad();
    if (!(c.subject instanceof Uint8Array) || c.subject.length === 0) bad();
    if (!isInt(c.colour) || c.colour < 0 || c.colour > 2) bad();
    if (typeof c.action !== "boolean" || typeof c.name !== "string" || typeof c.id !== "string") bad();
    if (!isInt(c.doses) || c.doses < 0) bad();
    if (typeof c.home !== "string" || (c.home !== "" && !validRegion(c.home))) bad();
    var t = hc.get("t");
    if (t !== undefined && t !== null) {
      if (!(t instanceof Map) || !validSeconds(t.get("at")) || (t.get("r") !== 0 && t.get("r") !== 1)) bad();
      c.test = { at: t.get("at"), result: t.get("r") === 0 ? "negative" : "positive" };
    }
    c.colourName = COLOURS[c.colour];
    return c;
  }

  function b64(s) {
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function b64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    return atob(s);
  }
  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // trustList reads the node's trust list document: plain JSON, or the
  // hub's JWS whose payload the node has already checked.
  function trustList(doc) {
    if (!doc) return null;
    doc = doc.trim();
    if (doc.charAt(0) !== "{") {
      var parts = doc.split(".");
      if (parts.length !== 3) return null;
      doc = new TextDecoder().decode(Uint8Array.from(b64url(parts[1]), function (c) { return c.charCodeAt(0); }));
    }
    try {
      return JSON.parse(doc);
    } catch (e) {
      return null;
    }
  }

  var keyCache = new Map();
  function importKey(alg, pub) {
    var id = alg + ":" + pub;
    if (!keyCache.has(id)) {
      var p = alg === "EdDSA"
        ? crypto.subtle.importKey("raw", b64(pub), { name: "Ed25519" }, false, ["verify"])
        : crypto.subtle.importKey("spki", b64(pub), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
      keyCache.set(id, p);
    }
    return keyCache.get(id);
  }
  async function checkSignature(k, p) {
    try {
      var key = await importKey(k.alg, k.public_key);
      var params = k.alg === "EdDSA" ? { name: "Ed25519" } : { name: "ECDSA", hash: "SHA-256" };
      return await crypto.subtle.verify(params, key, p.sig, p.tbs);
    } catch (e) {
      return false;
    }
  }
  function validAt(k, iat) {
    var t = iat * 1000;
    return (!k.not_before || t >= Date.parse(k.not_before)) && (!k.not_after || t <= Date.parse(k.not_after));
  }

  // canVerify tells whether this browser checks signatures: WebCrypto
  // (a secure context: HTTPS or a local address) with Ed25519.
  function canVerify() {
    return !!(global.crypto && crypto.subtle && typeof DecompressionStream !== "undefined");
  }

  // verify judges the code text against the trust list document at now
  // (ms): {valid, error, claims}. claims are set once the signature holds
  // — or, with unverified set, when this browser cannot check signatures
  // and the claims were only read.
  async function verify(text, trustDoc, now) {
    var p;
    try {
      p = await parse(text);
    } catch (e) {
      if (e instanceof Refused && e.code === "unsupported") return { valid: false, error: e.code, unverified: true };
      if (e instanceof Refused) return { valid: false, error: e.code };
      throw e;
    }
    var c = p.claims;
    if (!canVerify()) return { valid: false, error: "unsupported", claims: c, unverified: true };
    var list = trustList(trustDoc);
    if (!list) return { valid: false, error: "no_trust_list", claims: c, unverified: true };
    var region = (list.regions || []).find(function (r) { return r.id === c.iss; });
    if (!region) return { valid: false, error: "unknown_region" };
    var keys = (region.keys || []).filter(function (k) { return sameBytes(b64(k.kid), p.kid); });
    if (!keys.length) return { valid: false, error: "unknown_kid" };
    var code = "bad_signature";
    for (var i = 0; i < keys.length; i++) {
      var k = keys[i];
      if (k.alg !== p.alg || !(await checkSignature(k, p))) continue;
      if (k.revoked) {
        if (code === "bad_signature") code = "key_revoked";
      } else if (!validAt(k, c.iat)) {
        code = "key_not_valid_at_iat";
      } else {
        code = "";
        break;
      }
    }
    if (code === "bad_signature") return { valid: false, error: code };
    if (code) return { valid: false, error: code, claims: c };
    var secs = Math.floor(now / 1000);
    if (secs < c.iat - SKEW) return { valid: false, error: "not_yet_valid", claims: c };
    if (secs > c.exp) return { valid: false, error: "expired", claims: c };
    return { valid: true, error: "", claims: c };
  }

  // denyReason turns a verifier error into the deny reason staff see, as
  // the node's scan service does.
  function denyReason(error, text) {
    switch (error) {
      case "expired": return "expired";
      case "not_yet_valid": return "not_yet_valid";
      case "unknown_region": return "untrusted_region";
      case "key_revoked": return "key_revoked";
      case "unknown_kid": case "bad_signature": case "key_not_valid_at_iat": return "forged";
      case "bad_prefix":
        if (text.slice(0, PLACE_PREFIX.length) === PLACE_PREFIX) return "not_a_health_code";
    }
    return "malformed";
  }

  // decide applies the venue's entry policy to the code's claims as
  // package entry does for a visitor: every failed requirement is named;
  // leaving always passes. Employment needs the roster, which a device
  // offline does not hold: such a venue denies.
  function decide(policy, c, direction, now) {
    if (direction === "out") return { verdict: "pass", reasons: [] };
    var reasons = [];
    policy = policy || {};
    if ((policy.colours || []).indexOf(c.colourName) < 0) reasons.push("colour_not_allowed");
    if (policy.action_required_blocks && c.action) reasons.push("action_required");
    if (policy.test_within_hours > 0) {
      var t = c.test;
      if (!t || t.result !== "negative" || t.at * 1000 < now - policy.test_within_hours * 3600 * 1000) reasons.push("test_required");
    }
    if (c.doses < (policy.min_doses || 0)) reasons.push("doses_required");
    if (policy.employer) reasons.push("not_employed");
    return { verdict: reasons.length ? "deny" : "pass", reasons: reasons };
  }

  global.HCode = { verify: verify, decide: decide, denyReason: denyReason, canVerify: canVerify };
})(window);
