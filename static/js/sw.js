/* The worker's pages on a phone without network. Served as /sw.js with its settings first (OFFLINE:
 * version, assets, fallback, pages, header); its scope is /today, so it never sees anyone else's pages.
 *
 * - The worker's today and task pages: network first. An answer the server marked with OFFLINE.header
 *   (200, the worker's own page) is kept as this session's copy, with its banner shown and its one-time
 *   messages left out; the copy is shown when the network fails or does not answer in time.
 *   An answer that says the session is over (a redirect to the login page, 401, 403) deletes every copy;
 *   404 deletes the copy of that page. A new session's tag deletes the copies of the one before.
 * - A page under /today the phone has no copy of, when the network fails: the offline page (OFFLINE.fallback,
 *   kept with the static files on install), which says so and leads back to the kept today page, or says
 *   that nothing is kept yet.
 * - The static files of those pages: from the phone first, under a name that changes with their bytes.
 * - Anything else (forms sent, the outbox's reports, photos, other pages) goes to the network untouched.
 */
/* global OFFLINE */
"use strict";
var STATIC = "mf-static-" + OFFLINE.version;
var PAGES = "mf-pages-";
var PAGE = new RegExp(OFFLINE.pages);
var WAIT_MS = 10000;  // a network that has not answered by then is as good as none (the copy is shown)
var SCOPE = new URL(self.registration.scope).pathname;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) {
    return cache.addAll(OFFLINE.assets.concat([OFFLINE.fallback]));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("mf-static-") === 0 && k !== STATIC; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }).then(keepOpenPages));
});

// the page that registered this service worker was loaded without it: keep a copy of it now
function keepOpenPages() {
  return self.clients.matchAll({ type: "window" }).then(function (clients) {
    return Promise.all(clients.map(function (client) {
      var url = new URL(client.url);
      if (url.origin !== self.location.origin || !PAGE.test(url.pathname)) { return null; }
      return fetch(url.pathname, { credentials: "same-origin", redirect: "manual", cache: "no-store" })
        .then(function (response) { return keep(url.pathname, response); })
        .catch(function () {});
    }));
  });
}

function pageCaches() {
  return caches.keys().then(function (keys) {
    return keys.filter(function (k) { return k.indexOf(PAGES) === 0; });
  });
}

function forgetPages(except) {
  return pageCaches().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== except; }).map(function (k) {
      return caches.delete(k);
    }));
  });
}

function asCopy(html) {
  return html
    .replace(" hidden data-offline-copy>", " data-offline-copy>")
    .replace(/<p class="flash flash-[a-z]+" role="status">[^<]*<\/p>\s*/g, "");
}

function keep(path, response) {
  var tag = response.headers.get(OFFLINE.header);
  if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
    return forgetPages(null);
  }
  if (response.status === 404) {
    return pageCaches().then(function (keys) {
      return Promise.all(keys.map(function (k) {
        return caches.open(k).then(function (cache) { return cache.delete(path); });
      }));
    });
  }
  if (response.status !== 200 || response.type !== "basic" || !tag || !/^[0-9a-f]+$/.test(tag)) {
    return Promise.resolve();
  }
  var name = PAGES + tag;
  return response.text().then(function (html) {
    var headers = new Headers(response.headers);
    headers.delete("Content-Length");
    var copy = new Response(asCopy(html), { status: 200, headers: headers });
    return forgetPages(name).then(function () { return caches.open(name); }).then(function (cache) {
      return cache.put(path, copy);
    });
  });
}

function copyOf(path) {
  return pageCaches().then(function (keys) {
    // normally one cache (this session's); look in each, so a copy being replaced is still found
    return keys.reduce(function (found, key) {
      return found.then(function (hit) {
        return hit || caches.open(key).then(function (cache) { return cache.match(path); });
      });
    }, Promise.resolve(undefined));
  });
}

// The offline page for `path`: it leads back to the kept today page, or says that nothing is kept yet.
function fallback(path) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(OFFLINE.fallback);
  }).then(function (kept) {
    if (!kept) { return Response.error(); }
    return Promise.all([kept.text(), path === "/today" ? undefined : copyOf("/today")]).then(function (got) {
      var html = got[0];
      if (!got[1]) {
        html = html.replace("<div data-offline-when=\"saved\">", "<div hidden data-offline-when=\"saved\">")
          .replace("<div hidden data-offline-when=\"nothing\">", "<div data-offline-when=\"nothing\">");
      }
      var headers = new Headers(kept.headers);
      headers.delete("Content-Length");
      return new Response(html, { status: 200, headers: headers });
    });
  });
}

function page(event, path) {
  var saving = Promise.resolve();
  var network = fetch(event.request).then(function (response) {
    saving = keep(path, response.clone()).catch(function () {});
    return response;
  });
  event.waitUntil(network.then(function () { return saving; }, function () {}));
  return new Promise(function (resolve) {
    var done = false;
    function answer(response) {
      if (!done) { done = true; resolve(response); }
    }
    var timer = setTimeout(function () {
      copyOf(path).then(function (copy) { if (copy) { answer(copy); } });
    }, WAIT_MS);
    network.then(function (response) {
      clearTimeout(timer);
      answer(response);
    }, function () {
      clearTimeout(timer);
      copyOf(path).then(function (copy) { return copy || fallback(path); })
        .catch(function () { return Response.error(); }).then(answer);
    });
  });
}

function asset(request, path) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(path).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) { cache.put(path, response.clone()); }
        return response;
      });
    });
  });
}

// Any other page under /today: the network, and the offline page when there is none.
function elsewhere(request, path) {
  return fetch(request).catch(function () { return fallback(path); });
}

function refresh(path) {
  if (typeof path !== "string" || !PAGE.test(path)) { return Promise.resolve(); }
  return fetch(path, { credentials: "same-origin", redirect: "manual", cache: "no-store" })
    .then(function (response) { return keep(path, response); })
    .catch(function () {});
}

// The offline page is kept in the language the worker's pages are in: fetch it again when they differ.
function fallbackIn(lang) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(OFFLINE.fallback).then(function (kept) {
      if (kept && kept.headers.get("Content-Language") === lang) { return undefined; }
      return cache.add(OFFLINE.fallback);
    });
  }).catch(function () {});
}

// Messages from the worker's pages: `refresh` (a path, or a list of them) asks for fresh copies after the
// server took a report or a change (the kept copies would show what was before); `lang` is the pages' language.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var paths = [].concat(data.refresh || []);
  var work = paths.map(refresh);
  if (typeof data.lang === "string") { work.push(fallbackIn(data.lang)); }
  if (work.length) { event.waitUntil(Promise.all(work)); }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && PAGE.test(url.pathname)) {
    event.respondWith(page(event, url.pathname));
  } else if (request.mode === "navigate" && url.pathname.indexOf(SCOPE) === 0) {
    event.respondWith(elsewhere(request, url.pathname));
  } else if (OFFLINE.assets.indexOf(url.pathname) >= 0) {
    event.respondWith(asset(request, url.pathname));
  }
});
