/* The worker's outbox: reports wait on the phone until the network is back, each with its own key.
 * A report's key is made here, stays the same while the number is unchanged (so tapping twice, or a
 * resend after a lost answer, is counted once by the server), and is kept with the report in
 * localStorage until the server answers. Without JavaScript the form posts as usual. */
(function () {
  "use strict";
  var STORE = "mf.outbox.v1";
  var box = document.getElementById("outbox");
  var sending = false;
  document.documentElement.className += " js";

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE)) || []; } catch (e) { return []; }
  }
  function save(items) { localStorage.setItem(STORE, JSON.stringify(items)); show(); }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function show(message, done) {
    if (!box) { return; }
    var n = load().length;
    var text = n ? box.getAttribute("data-label").replace("N", n) : "";
    if (message) { text = text ? text + " · " + message : message; }
    box.textContent = text;
    box.hidden = !text;
    box.className = "outbox" + (done && !n ? " done" : "");
  }
  function csrf() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }
  function formFor(task) { return document.querySelector("form.report[data-task='" + task + "']"); }
  function fieldError(form, message) {
    if (!form) { show(message); return; }
    var p = form.querySelector(".error.js-error");
    if (!p) {
      p = document.createElement("p");
      p.className = "error js-error";
      form.insertBefore(p, form.querySelector("button.wide"));
    }
    p.textContent = message;
  }
  function counted(item, data) {
    var left = document.querySelector("[data-left-of='" + item.task + "']");
    if (left && typeof data.left === "number") {
      left.textContent = data.left;
      var bar = left.closest(".task").querySelector("progress");
      if (bar) { bar.value = Number(bar.max) - data.left; }
    }
    var form = formFor(item.task);
    if (form && form.elements.key.value === item.key) {
      form.elements.pieces.value = "";
      form.elements.key.value = newKey();
      if (typeof data.left === "number") { form.elements.pieces.max = data.left; }
    }
  }
  function drop(key) { save(load().filter(function (i) { return i.key !== key; })); }

  function flush() {
    var items = load();
    if (sending || !items.length) { return; }
    if (navigator.onLine === false) { show(box && box.getAttribute("data-offline")); return; }
    sending = true;
    var item = items[0];
    var body = new URLSearchParams();
    body.set("csrf_token", csrf());
    body.set("key", item.key);
    body.set("pieces", String(item.pieces));
    fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { "Accept": "application/json", "Idempotency-Key": item.key }
    }).then(function (r) {
      if (r.type === "opaqueredirect" || r.status === 0 || r.status >= 500) { throw new Error("retry"); }
      return r.json().then(function (data) { return { status: r.status, data: data }; });
    }).then(function (res) {
      sending = false;
      drop(item.key);
      if (res.status < 300) {
        counted(item, res.data);
        show(box && box.getAttribute("data-sent"), true);
      } else {
        fieldError(formFor(item.task), (res.data.error && res.data.error.message) || String(res.status));
      }
      flush();
    }).catch(function () {
      sending = false;
      show(box && box.getAttribute("data-offline"));
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.report"), function (form) {
    var input = form.elements.pieces;
    form.elements.key.value = newKey();
    input.addEventListener("input", function () { form.elements.key.value = newKey(); });
    Array.prototype.forEach.call(form.querySelectorAll(".step"), function (b) {
      b.addEventListener("click", function () {
        var max = Number(input.max) || Infinity;
        var v = Math.min(max, Math.max(1, (parseInt(input.value, 10) || 0) + Number(b.getAttribute("data-step"))));
        input.value = v;
        form.elements.key.value = newKey();
      });
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var pieces = parseInt(input.value, 10);
      if (!(pieces > 0)) { input.focus(); return; }
      var key = form.elements.key.value;
      var items = load();
      if (!items.some(function (i) { return i.key === key; })) {
        items.push({ key: key, url: form.action, task: form.getAttribute("data-task"), pieces: pieces, at: Date.now() });
        save(items);
      }
      var old = form.querySelector(".js-error");
      if (old) { old.remove(); }
      flush();
    });
  });
  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  flush();
}());
