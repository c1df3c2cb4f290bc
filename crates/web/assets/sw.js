// Awladna's service worker: keeps the offline quick capture (its page, style and
// script) so that it opens without a link. Everything else goes to the network as
// usual; nothing about a child is ever cached here (queued cards live encrypted in
// IndexedDB, see offline.js).
'use strict';
var CACHE = 'awladna-shell-v2';
var SHELL = ['/capture', '/capture/followup', '/capture/evaluation', '/assets/style.css', '/assets/offline.js',
  '/assets/logo.svg', '/manifest.webmanifest'];

// Each piece is kept on its own: a page the user may not open (a mobile team records
// reports but follows no case) is simply not kept.
self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (path) {
      return fetch(path, { credentials: 'same-origin' }).then(function (response) {
        if (response.ok && !response.redirected) { return cache.put(path, response); }
      }).catch(function () {});
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

// The network first, so that the page (and its sign-in token) is the newest one when
// there is a link; the kept copy when there is none.
self.addEventListener('fetch', function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || SHELL.indexOf(url.pathname) < 0) {
    return;
  }
  event.respondWith(fetch(event.request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(url.pathname).then(function (kept) {
      return kept || Response.error();
    });
  }));
});
