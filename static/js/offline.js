/* Copies of the worker's pages for a phone without network (the service worker is /sw.js).
 * On the worker's today and task pages (the script tag names the service worker and its scope) this
 * registers the service worker, tells it the pages' language (for its offline page), and logging out
 * deletes the copies before the form is sent. On a kept copy shown without network, each link to a task
 * page says whether that page is kept on the phone too (it opens) or not (it needs the network).
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
    navigator.serviceWorker.register(sw, { scope: me.getAttribute("data-scope") }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      if (registration.active) { registration.active.postMessage({ lang: document.documentElement.lang }); }
    }).catch(function () {});
  }

  function kept(path) {
    return caches.keys().then(function (keys) {
      return keys.filter(function (k) { return k.indexOf(PAGES) === 0; }).reduce(function (found, key) {
        return found.then(function (hit) {
          return hit || caches.open(key).then(function (cache) { return cache.match(path); });
        });
      }, Promise.resolve(undefined));
    });
  }

  // only on the copy (its banner shown): online every link opens
  if (window.caches && document.querySelector("[data-offline-copy]:not([hidden])")) {
    Array.prototype.forEach.call(document.querySelectorAll("a[data-task-link]"), function (link) {
      kept(new URL(link.href).pathname).then(function (hit) {
        var mark = document.createElement("span");
        mark.className = "kept-mark" + (hit ? " kept" : "");
        mark.textContent = me.getAttribute(hit ? "data-kept" : "data-not-kept");
        link.insertAdjacentElement("afterend", mark);
      }).catch(function () {});
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("form.logout"), function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      forget().then(function () { form.submit(); });
    });
  });
}());
