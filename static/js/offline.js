/* Copies of the worker's pages for a phone without network (the service worker is /sw.js).
 * On the worker's today and task pages (the script tag names the service worker and its scope) this
 * registers the service worker, and logging out deletes the copies before the form is sent.
 * On any page shown to nobody logged in (the login page after logging out, or after the session ended)
 * it deletes them: on a shared phone the next person never sees the last one's tasks. */
(function () {
  "use strict";
  var PAGES = "mf-pages-";
  var me = document.currentScript;

  function forget() {
    if (!window.caches) { return Promise.resolve(); }
    return caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf(PAGES) === 0; }).map(function (k) {
        return caches.delete(k);
      }));
    }).catch(function () {});
  }

  var sw = me && me.getAttribute("data-sw");
  if (!sw) { forget(); return; }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(sw, { scope: me.getAttribute("data-scope") }).catch(function () {});
  }
  Array.prototype.forEach.call(document.querySelectorAll("form.logout"), function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      forget().then(function () { form.submit(); });
    });
  });
}());
