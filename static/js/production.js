/* The worker's outbox: reports, declines and hand-ins wait on the phone until the network is back, each
 * with its own key.
 * Tapping 报工 puts the number in the outbox with a key made here and empties the field with a fresh key,
 * so the next number is a report of its own. A queued item keeps its key until the server answers:
 * a resend after a lost answer is done once by the server, and a second tap finds the field empty.
 * "Left" on the page is what the server counted minus what waits in the outbox.
 * Declining a task and handing its pieces in are queued the same way (forms.queued-action): the task shows
 * "waiting to send" and the form is put away until the server has answered. When the server refuses one
 * (the organiser gave the lot to someone else meanwhile, say), its message stays on the phone, listed at the
 * top of the worker's pages, until the worker taps "got it": nothing is dropped unseen.
 * Each item carries the worker it was made by: on a shared phone it waits for that worker's own pages.
 * When the session has ended (the server answers that the form token is no longer valid, or sends the
 * login page), the items stay on the phone until the worker has logged in again.
 * Without JavaScript the forms post as usual. */
(function () {
  "use strict";
  var STORE = "mf.outbox.v1";
  var box = document.getElementById("outbox");
  var refusedList = document.getElementById("outbox-refused");
  var me = box ? box.getAttribute("data-user") : null;
  var sending = false;
  document.documentElement.className += " js";

  function all() {
    try { return JSON.parse(localStorage.getItem(STORE)) || []; } catch (e) { return []; }
  }
  function mine(i) { return !i.user || i.user === me; }
  function load() { return all().filter(mine); }
  function pending(items) { return (items || load()).filter(function (i) { return !i.refused; }); }
  function kind(i) { return i.kind || "report"; }
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
    return pending(items).reduce(function (sum, i) {
      return i.task === task && kind(i) === "report" ? sum + i.pieces : sum;
    }, 0);
  }
  function showLeft(items) {
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
  function card(task) { return document.querySelector("[data-task-card='" + task + "']"); }
  // what a queued change hides: the decline sits in a <details>, hand-in is a button of its own
  function holder(form) { return form.closest("details") || form; }
  function note(task) { return document.querySelector("[data-pending-of='" + task + "']"); }
  function setNote(task, text, className) {
    var p = note(task);
    if (!p) { return; }
    p.textContent = text || "";
    p.className = "pending-note" + (className ? " " + className : "");
    p.hidden = !text;
  }
  // A task with a change waiting says so and puts its forms away (a second tap would queue it twice; a
  // declined task takes no reports).
  function showWaiting(items) {
    var waiting = {};
    pending(items).forEach(function (i) { if (kind(i) !== "report") { waiting[i.task] = i; } });
    Array.prototype.forEach.call(document.querySelectorAll("form.queued-action, form.report"), function (form) {
      var item = waiting[form.getAttribute("data-task")];
      var h = holder(form);
      var report = form.classList.contains("report");
      if (item && (!report || kind(item) === "decline")) {
        h.hidden = true;
        h.setAttribute("data-outbox", "waiting");
        if (!report) { setNote(item.task, item.waiting, "waiting"); }
      } else if (h.getAttribute("data-outbox") === "waiting") {
        h.hidden = false;
        h.removeAttribute("data-outbox");
      }
    });
  }
  function showRefused(items) {
    if (!refusedList) { return; }
    var list = refusedList.querySelector("ul");
    var refused = (items || load()).filter(function (i) { return i.refused; });
    list.textContent = "";
    refused.forEach(function (i) {
      var li = document.createElement("li");
      var text = document.createElement("span");
      text.textContent = i.label + " · " + i.what + "：" + i.refused;
      var ok = document.createElement("button");
      ok.type = "button";
      ok.className = "button small";
      ok.textContent = refusedList.getAttribute("data-dismiss");
      ok.addEventListener("click", function () { drop(i.key); });
      li.appendChild(text);
      li.appendChild(ok);
      list.appendChild(li);
    });
    refusedList.hidden = !refused.length;
  }
  function show(message, done) {
    var items = load();
    showLeft(items);
    showWaiting(items);
    showRefused(items);
    if (!box) { return; }
    var n = pending(items).length;
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
  // The server answered a change: the task's forms stay away (the page is from before; reloading it shows
  // what can be done now), and the task says what the server said.
  function answered(item, message, className) {
    var forms = document.querySelectorAll("form.queued-action[data-task='" + item.task + "']");
    Array.prototype.forEach.call(forms, function (form) {
      holder(form).hidden = true;
      holder(form).setAttribute("data-outbox", "answered");
    });
    var report = formFor(item.task);
    if (report && kind(item) === "decline" && className === "done") {
      report.hidden = true;
      report.setAttribute("data-outbox", "answered");
    }
    setNote(item.task, message, className);
  }
  function changed(item, data) {
    var c = card(item.task);
    var badge = c && c.querySelector(".badge[data-status]");
    if (badge && data.status) {
      badge.setAttribute("data-status", data.status);
      badge.textContent = data.status_label || data.status;
    }
    answered(item, data.message, "done");
  }
  function refused(item, message) {
    if (kind(item) !== "report") {
      // kept, marked refused, until the worker has read it
      answered(item, message, "error");
      save(load().map(function (i) { return i.key === item.key ? Object.assign({}, i, { refused: message }) : i; }));
      return;
    }
    drop(item.key);
    var form = formFor(item.task);
    if (form && !form.elements.pieces.value) { form.elements.pieces.value = item.pieces; }
    fieldError(form, message);
  }
  function drop(key) { save(load().filter(function (i) { return i.key !== key; })); }

  // The phone's kept copies of the worker's pages would show what was before: ask the service worker to
  // keep fresh ones of this page and of today's, once nothing waits to be sent.
  function refreshCopy() {
    var sw = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (sw && !pending().length) {
      sw.postMessage({ refresh: location.pathname === "/today" ? [location.pathname] : [location.pathname, "/today"] });
    }
  }

  function flush() {
    var items = pending();
    if (sending || !items.length) { return; }
    if (navigator.onLine === false) { show(box && box.getAttribute("data-offline")); return; }
    sending = true;
    var item = items[0];
    var body = new URLSearchParams();
    body.set("csrf_token", csrf());
    body.set("key", item.key);
    if (kind(item) === "report") { body.set("pieces", String(item.pieces)); }
    if (kind(item) === "decline") { body.set("reason", item.reason || ""); }
    fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { "Accept": "application/json", "Idempotency-Key": item.key }
    }).then(function (r) {
      if (r.type === "opaqueredirect") { return { login: true }; }
      if (r.status === 0 || r.status >= 500) { throw new Error("retry"); }
      return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
    }).then(function (res) {
      sending = false;
      var error = res.data && res.data.error;
      if (res.login || (res.status === 400 && error && error.code === "csrf")) {
        show(box && box.getAttribute("data-login"));  // kept until the worker has logged in again
        return;
      }
      if (res.status < 300) {
        if (kind(item) === "report") { counted(item, res.data); } else { changed(item, res.data); }
        drop(item.key);
        show(kind(item) === "report" ? box && box.getAttribute("data-sent") : res.data.message, true);
        refreshCopy();
      } else {
        refused(item, (error && error.message) || (box && box.getAttribute("data-refused")) || String(res.status));
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
    // The page's own messages, in the worker's language, instead of the browser's bubbles (which speak the
    // phone's language and vanish); without this script the browser's checks still stop a bad number.
    form.noValidate = true;
    Array.prototype.forEach.call(form.querySelectorAll(".step"), function (b) {
      b.addEventListener("click", function () {
        var max = input.max === "" ? Infinity : Number(input.max);
        var v = Math.min(max, Math.max(1, (parseInt(input.value, 10) || 0) + Number(b.getAttribute("data-step"))));
        input.value = v;
      });
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var pieces = Number(input.value);
      var old = form.querySelector(".js-error");
      if (old) { old.remove(); }
      if (!(pieces > 0) || pieces !== Math.floor(pieces)) {
        fieldError(form, form.getAttribute("data-empty"));
        input.focus();
        return;
      }
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

  // A kept copy of the page carries the keys it was made with: each visit makes its own.
  Array.prototype.forEach.call(document.querySelectorAll("form.queued-action"), function (form) {
    form.elements.key.value = newKey();
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var task = form.getAttribute("data-task");
      var k = form.getAttribute("data-kind");
      var items = load();
      var twice = items.some(function (i) { return !i.refused && i.task === task && kind(i) === k; });
      if (!twice) {
        items = items.filter(function (i) { return !(i.refused && i.task === task && kind(i) === k); });
        items.push({
          key: form.elements.key.value, kind: k, url: form.action, task: task,
          reason: form.elements.reason ? form.elements.reason.value.trim() : undefined,
          label: form.getAttribute("data-label"), what: form.getAttribute("data-what"),
          waiting: form.getAttribute("data-waiting"), at: Date.now(), user: me
        });
      }
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
