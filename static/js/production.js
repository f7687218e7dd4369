/* The worker's outbox: reports wait on the phone until the network is back, each with its own key.
 * Tapping 报工 puts the number in the outbox with a key made here and empties the field with a fresh key,
 * so the next number is a report of its own. A queued report keeps its key until the server answers:
 * a resend after a lost answer is counted once by the server, and a second tap finds the field empty.
 * "Left" on the page is what the server counted minus what waits in the outbox.
 * Each report carries the worker it was made by: on a shared phone it waits for that worker's own pages.
 * When the session has ended (the server answers that the form token is no longer valid, or sends the
 * login page), the reports stay on the phone until the worker has logged in again.
 * Without JavaScript the form posts as usual. */
(function () {
  "use strict";
  var STORE = "mf.outbox.v1";
  var box = document.getElementById("outbox");
  var me = box ? box.getAttribute("data-user") : null;
  var sending = false;
  document.documentElement.className += " js";

  function all() {
    try { return JSON.parse(localStorage.getItem(STORE)) || []; } catch (e) { return []; }
  }
  function mine(i) { return !i.user || i.user === me; }
  function load() { return all().filter(mine); }
  function save(items) {
    localStorage.setItem(STORE, JSON.stringify(all().filter(function (i) { return !mine(i); }).concat(items)));
    show();
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function queued(task, items) {
    return (items || load()).reduce(function (sum, i) { return i.task === task ? sum + i.pieces : sum; }, 0);
  }
  function showLeft() {
    var items = load();
    Array.prototype.forEach.call(document.querySelectorAll("[data-left-of]"), function (left) {
      var task = left.getAttribute("data-left-of");
      var server = Number(left.getAttribute("data-server-left"));
      var now = Math.max(0, server - queued(task, items));
      left.textContent = now;
      var card = left.closest(".task");
      var bar = card && card.querySelector("progress");
      if (bar) { bar.value = Number(bar.max) - now; }
      var form = formFor(task);
      if (form) { form.elements.pieces.max = now; }
    });
  }
  function show(message, done) {
    showLeft();
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
    if (left && typeof data.left === "number") { left.setAttribute("data-server-left", data.left); }
  }
  function refused(item, message) {
    var form = formFor(item.task);
    if (form && !form.elements.pieces.value) { form.elements.pieces.value = item.pieces; }
    fieldError(form, message);
  }
  function drop(key) { save(load().filter(function (i) { return i.key !== key; })); }

  // The phone's kept copy of this page (static/js/sw.js) would show the count before this report: ask the
  // service worker to keep a fresh one, once the outbox is empty.
  function refreshCopy() {
    var sw = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (sw && !load().length) { sw.postMessage({ refresh: location.pathname }); }
  }

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
      if (r.type === "opaqueredirect") { return { login: true }; }
      if (r.status === 0 || r.status >= 500) { throw new Error("retry"); }
      return r.json().then(function (data) { return { status: r.status, data: data }; });
    }).then(function (res) {
      sending = false;
      if (res.login || (res.status === 400 && res.data.error && res.data.error.code === "csrf")) {
        show(box && box.getAttribute("data-login"));  // kept until the worker has logged in again
        return;
      }
      if (res.status < 300) { counted(item, res.data); }
      drop(item.key);
      if (res.status < 300) {
        show(box && box.getAttribute("data-sent"), true);
        refreshCopy();
      } else {
        refused(item, (res.data.error && res.data.error.message) || String(res.status));
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
    Array.prototype.forEach.call(form.querySelectorAll(".step"), function (b) {
      b.addEventListener("click", function () {
        var max = input.max === "" ? Infinity : Number(input.max);
        var v = Math.min(max, Math.max(1, (parseInt(input.value, 10) || 0) + Number(b.getAttribute("data-step"))));
        input.value = v;
      });
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var pieces = parseInt(input.value, 10);
      if (!(pieces > 0)) { input.focus(); return; }
      var old = form.querySelector(".js-error");
      if (old) { old.remove(); }
      var max = input.max === "" ? Infinity : Number(input.max);
      if (pieces > max) {
        fieldError(form, form.getAttribute("data-too-many").replace("N", max));
        input.focus();
        return;
      }
      var key = form.elements.key.value;
      var items = load();
      if (!items.some(function (i) { return i.key === key; })) {
        items.push({ key: key, url: form.action, task: form.getAttribute("data-task"), pieces: pieces, at: Date.now(), user: me });
      }
      // the report is queued: its key goes with it, and the field is ready for the next report
      input.value = "";
      form.elements.key.value = newKey();
      save(items);
      flush();
    });
  });
  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  show();
  flush();
}());
