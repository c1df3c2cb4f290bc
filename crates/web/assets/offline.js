// The offline quick capture (issue 16 §3): reporting cards typed without a link are
// queued in IndexedDB encrypted (AES-GCM, WebCrypto) under a key that the user's
// offline PIN unwraps (PBKDF2-SHA-256, 600,000 iterations: OWASP's figure, native in
// every browser, where Argon2 would need a WebAssembly module heavier than the page).
// Each card carries its UUIDv7, sent as the Idempotency-Key: a retried sync never
// stores it twice. The queue shows each card waiting, sent, or refused with the
// server's reason and a way to fix it (send it as a draft, to finish at the centre).
(function () {
  'use strict';
  var form = document.querySelector('form[data-offline]');
  var panel = document.getElementById('offline');
  if (!form || !panel || !window.indexedDB || !window.crypto || !crypto.subtle) { return; }
  if ('serviceWorker' in navigator) { navigator.serviceWorker.register('/sw.js').catch(function () {}); }

  var text = function (name) { return panel.getAttribute('data-m-' + name) || name; };
  var dataKey = null;
  var device = null;
  var syncing = false;
  var DB = 'awladna-offline';
  var ITERATIONS = 600000;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore('keys', { keyPath: 'name' });
        request.result.createObjectStore('queue', { keyPath: 'id' });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function store(name, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }
  var get = function (name, key) { return store(name, 'readonly', function (s) { return s.get(key); }); };
  var all = function (name) { return store(name, 'readonly', function (s) { return s.getAll(); }); };
  var put = function (name, value) { return store(name, 'readwrite', function (s) { return s.put(value); }); };

  function uuidv7() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    var ms = Date.now();
    for (var i = 5; i >= 0; i--) { b[i] = ms % 256; ms = Math.floor(ms / 256); }
    b[6] = (b[6] & 0x0f) | 0x70;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function kek(pin, salt) {
    return crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveKey'])
      .then(function (base) {
        return crypto.subtle.deriveKey({ name: 'PBKDF2', salt: salt, iterations: ITERATIONS, hash: 'SHA-256' },
          base, { name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey']);
      });
  }
  function unwrap(pin, stored) {
    return kek(pin, stored.salt).then(function (k) {
      return crypto.subtle.unwrapKey('raw', stored.wrapped, k, { name: 'AES-GCM', iv: stored.iv },
        { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    });
  }
  // This browser registers as a device once, with a link: the server then knows until
  // when its key may be used and refuses its queue once revoked.
  function register() {
    var csrf = form.querySelector('input[name="_csrf"]');
    return fetch('/api/v1/devices', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'x-csrf-token': csrf ? csrf.value : '' }
    }).then(function (r) {
      if (r.status !== 201) { throw new Error('register'); }
      return r.json();
    });
  }

  function erase() {
    dataKey = null;
    device = null;
    indexedDB.deleteDatabase(DB);
    if (window.caches) { caches.keys().then(function (n) { n.forEach(function (c) { caches.delete(c); }); }); }
    panel.removeAttribute('data-unlocked');
    document.getElementById('offline-queue').textContent = '';
  }

  // The first PIN makes the data key; later ones only unwrap it (a wrong PIN fails). A
  // key past its device's lifetime is erased with the queue it protects.
  function unlock(pin) {
    return get('keys', 'data').then(function (stored) {
      if (stored && stored.expires_at < Date.now()) {
        erase();
        throw new Error('expired');
      }
      if (stored) { device = stored.device; return unwrap(pin, stored); }
      return register().then(function (registered) {
        return fresh(pin, registered);
      });
    });
  }
  function fresh(pin, registered) {
    var salt = crypto.getRandomValues(new Uint8Array(16));
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt'])
      .then(function (key) {
        return kek(pin, salt).then(function (k) {
          return crypto.subtle.wrapKey('raw', key, k, { name: 'AES-GCM', iv: iv });
        });
      })
      .then(function (wrapped) {
        var record = {
          name: 'data', salt: salt, iv: iv, wrapped: wrapped,
          device: registered.id, expires_at: registered.expires_at
        };
        device = registered.id;
        return put('keys', record).then(function () { return unwrap(pin, record); });
      });
  }

  // A card typed in the field was received when it was typed, in the phone's (Moroccan)
  // local time, as the form's date-and-time field takes it.
  function now() {
    var d = new Date();
    var two = function (n) { return (n < 10 ? '0' : '') + n; };
    return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + 'T' + two(d.getHours()) + ':' + two(d.getMinutes());
  }

  function values() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name.charAt(0) === '_' || el.disabled) { return; }
      if ((el.type === 'checkbox' || el.type === 'radio') && !el.checked) { return; }
      if (el.type === 'file' || el.value === '') { return; }
      var many = el.type === 'checkbox' && el.closest('fieldset.chips');
      if (many) { (out[el.name] = out[el.name] || []).push(el.value); } else { out[el.name] = el.value; }
    });
    if (form.elements.received_at && !out.received_at) { out.received_at = now(); }
    return out;
  }

  function seal(card) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv }, dataKey, new TextEncoder().encode(JSON.stringify(card)))
      .then(function (sealed) { return { iv: iv, sealed: sealed }; });
  }
  function openCard(item) {
    return crypto.subtle.decrypt({ name: 'AES-GCM', iv: item.iv }, dataKey, item.sealed)
      .then(function (plain) { return JSON.parse(new TextDecoder().decode(plain)); });
  }

  function say(message) { document.getElementById('offline-status').textContent = message; }

  function render() {
    return all('queue').then(function (items) {
      var list = document.getElementById('offline-queue');
      list.textContent = '';
      items.sort(function (a, b) { return a.id < b.id ? -1 : 1; }).forEach(function (item) {
        var li = document.createElement('li');
        li.className = 'queued ' + item.state;
        li.setAttribute('data-state', item.state);
        var when = new Date(item.at).toLocaleString(document.documentElement.lang);
        li.textContent = text(item.state) + ' · ' + when + (item.reason ? ' — ' + item.reason : '');
        if (item.state === 'refused' && item.sealed && !item.device_refused) {
          var again = document.createElement('button');
          again.type = 'button';
          again.textContent = text('as-draft');
          again.addEventListener('click', function () {
            item.state = 'waiting'; item.draft = true; item.reason = '';
            put('queue', item).then(render).then(sync);
          });
          li.appendChild(document.createTextNode(' '));
          li.appendChild(again);
        }
        list.appendChild(li);
      });
    });
  }

  // The newest sign-in token, from the page itself (None: signed out, or no link).
  function token() {
    return fetch('/capture', { cache: 'no-store', credentials: 'same-origin' }).then(function (r) {
      if (!r.ok || r.redirected) { return null; }
      return r.text().then(function (html) {
        var m = html.match(/name="_csrf" value="([^"]+)"/);
        return m ? m[1] : null;
      });
    });
  }

  function send(item, csrf) {
    return openCard(item).then(function (card) {
      return fetch('/api/v1/reports' + (item.draft ? '?draft=true' : ''), {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'content-type': 'application/json', 'x-csrf-token': csrf, 'idempotency-key': item.id,
          'x-device': device,
          'accept-language': document.documentElement.lang
        },
        body: JSON.stringify(card)
      });
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status === 201) {
          // Sent: the card is on the server; only its ids stay here.
          return put('queue', { id: item.id, at: item.at, state: 'sent', report: body.id });
        }
        var error = body.error || {};
        var signedOut = response.status === 401 || error.code === 'csrf';
        if (response.status >= 400 && response.status < 500 && !signedOut) {
          var fields = (body.fields || []).map(function (f) { return f.message; }).join(' ');
          item.state = 'refused';
          item.device_refused = error.code === 'device_refused';
          item.reason = ((error.message || '') + ' ' + fields).trim();
          return put('queue', item);
        }
        throw new Error('later');
      });
    });
  }

  function sync() {
    if (!dataKey || syncing) { return Promise.resolve(); }
    syncing = true;
    return all('queue').then(function (items) {
      var waiting = items.filter(function (i) { return i.state === 'waiting'; });
      if (!waiting.length) { return null; }
      return token().then(function (csrf) {
        if (!csrf) { say(text('signin')); return null; }
        return waiting.reduce(function (done, item) {
          return done.then(function () { return send(item, csrf); });
        }, Promise.resolve());
      });
    }).catch(function () { /* no link: the cards wait */ })
      .then(function () { syncing = false; return render(); });
  }

  document.getElementById('offline-unlock').addEventListener('submit', function (event) {
    event.preventDefault();
    var pin = document.getElementById('offline-pin').value;
    if (!/^[0-9]{6,12}$/.test(pin)) { say(text('pin-short')); return; }
    say(text('working'));
    unlock(pin).then(function (key) {
      dataKey = key;
      document.getElementById('offline-pin').value = '';
      panel.setAttribute('data-unlocked', 'true');
      say(text('unlocked'));
      return sync();
    }, function (e) { say(text(e && e.message === 'expired' ? 'expired' : 'pin-wrong')); });
  });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!dataKey) { say(text('locked')); document.getElementById('offline-pin').focus(); return; }
    var draft = event.submitter && event.submitter.value === 'draft';
    var card = values();
    seal(card).then(function (sealed) {
      return put('queue', { id: uuidv7(), at: Date.now(), state: 'waiting', draft: draft, iv: sealed.iv, sealed: sealed.sealed });
    }).then(function () {
      form.reset();
      say(text('saved'));
      return render();
    }).then(sync);
  });

  document.getElementById('offline-erase').addEventListener('click', function () {
    erase();
    say(text('erased'));
  });

  window.addEventListener('online', sync);
  setInterval(sync, 5000);
  render();
})();
