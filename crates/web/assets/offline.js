// Offline capture (issue 16 §3): reporting cards, and the follow-up and evaluation cards
// of the cases a worker follows, typed without a link, are checked by the form's rules
// (sent by the server as data with the page) and queued in IndexedDB encrypted (AES-GCM, WebCrypto) under a key that the user's
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
  // This page's form: `report`, or a card of a followed case (`followup`, `evaluation`).
  var kind = form.getAttribute('data-offline') || 'report';
  var onCase = kind !== 'report';
  var rulesElement = document.getElementById('offline-rules');
  var rules = rulesElement ? JSON.parse(rulesElement.textContent || '{}') : {};
  var caseSelect = document.getElementById('offline-case');
  var copy = null;
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
    copy = null;
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

  function forget(item) {
    return store('queue', 'readwrite', function (s) { return s.delete(item.id); });
  }

  // A refused card of this page's form comes back into the form, to fix and queue again.
  function edit(item) {
    return openCard(item).then(function (card) {
      var sealed = onCase ? card : { values: card };
      fill(sealed.values || {});
      if (caseSelect && sealed.case) { caseSelect.value = sealed.case; showCase(); }
      return forget(item);
    }).then(function () {
      form.scrollIntoView();
      return render();
    });
  }

  function button(label, action) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.addEventListener('click', action);
    return b;
  }

  function render() {
    return all('queue').then(function (items) {
      var list = document.getElementById('offline-queue');
      list.textContent = '';
      items.sort(function (a, b) { return a.id < b.id ? -1 : 1; }).forEach(function (item) {
        var li = document.createElement('li');
        var form_ = item.form || 'report';
        li.className = 'queued ' + item.state;
        li.setAttribute('data-state', item.state);
        li.setAttribute('data-form', form_);
        if (item.notice) { li.setAttribute('data-changed', 'true'); }
        var when = new Date(item.at).toLocaleString(document.documentElement.lang);
        li.textContent = text('form-' + form_) + ' · ' + text(item.state) + ' · ' + when +
          (item.reason ? ' — ' + item.reason : '');
        if (item.notice) {
          var notice = document.createElement('p');
          notice.className = 'notice';
          notice.textContent = text('changed') + ' ' + item.notice;
          li.appendChild(notice);
        }
        if (item.state === 'refused' && item.sealed && !item.device_refused) {
          var actions = document.createElement('p');
          actions.className = 'actions';
          if (form_ === 'report' && !item.draft) {
            actions.appendChild(button(text('as-draft'), function () {
              item.state = 'waiting'; item.draft = true; item.reason = '';
              put('queue', item).then(render).then(sync);
            }));
          }
          if (form_ === kind) {
            actions.appendChild(button(text('edit'), function () { edit(item); }));
          } else {
            var there = document.createElement('a');
            there.href = (form_ === 'report' ? '/capture' : '/capture/' + form_) + '#edit=' + item.id;
            there.textContent = text('edit');
            actions.appendChild(there);
          }
          actions.appendChild(button(text('discard'), function () { forget(item).then(render); }));
          li.appendChild(actions);
        }
        list.appendChild(li);
      });
    });
  }

  // The newest sign-in token, from the page itself (None: signed out, or no link).
  function token() {
    return fetch(location.pathname, { cache: 'no-store', credentials: 'same-origin' }).then(function (r) {
      if (!r.ok || r.redirected) { return null; }
      return r.text().then(function (html) {
        var m = html.match(/name="_csrf" value="([^"]+)"/);
        return m ? m[1] : null;
      });
    });
  }

  function post(url, csrf, item, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'content-type': 'application/json', 'x-csrf-token': csrf, 'idempotency-key': item.id,
        'x-device': device,
        'accept-language': document.documentElement.lang
      },
      body: JSON.stringify(body)
    });
  }

  function send(item, csrf) {
    var form_ = item.form || 'report';
    return openCard(item).then(function (card) {
      if (form_ === 'report') {
        return post('/api/v1/reports' + (item.draft ? '?draft=true' : ''), csrf, item, card);
      }
      // A card of a followed case says what it was filled from: the server answers
      // what changed on the case since, and refuses it if the case no longer takes it.
      return post('/api/v1/cases/' + encodeURIComponent(card.case) + '/cards/' + form_ + '/offline', csrf, item,
        { based_on: card.based_on, values: card.values });
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        var changes = (body.changes || []).map(function (c) { return c.message; }).join(' ');
        if (response.status === 201) {
          // Sent: the card is on the server; only its ids stay here, with what changed.
          return put('queue', { id: item.id, at: item.at, form: form_, state: 'sent', report: body.id, notice: changes });
        }
        var error = body.error || {};
        var signedOut = response.status === 401 || error.code === 'csrf';
        if (response.status >= 400 && response.status < 500 && !signedOut) {
          var fields = (body.fields || []).map(function (f) { return f.message; }).join(' ');
          item.state = 'refused';
          item.device_refused = error.code === 'device_refused';
          item.reason = ((error.message || (body.reason && body.reason.message) || '') + ' ' + fields + ' ' + changes).trim();
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

  // The form's rules, as the server sent them with the page: what is required, the
  // codes of each choice, lengths, ranges and dates that may not lie ahead. The server
  // checks the same rules again at sync.
  function check(card, draft) {
    var problems = [];
    var messages = rules.messages || {};
    var today = now().slice(0, 10);
    (rules.fields || []).forEach(function (f) {
      var v = card[f.code];
      var given = Array.isArray(v) ? v.length > 0 : v !== undefined && String(v).trim() !== '';
      if (!given) {
        if (f.required && !draft) { problems.push([f.code, messages.required]); }
        return;
      }
      var list = Array.isArray(v) ? v : [v];
      if (f.codes && list.some(function (x) { return f.codes.indexOf(x) < 0; })) {
        problems.push([f.code, messages.unknown_code]);
      } else if (f.max_length && String(v).length > f.max_length) {
        problems.push([f.code, f.too_long]);
      } else if (f.type === 'integer') {
        if (!/^-?[0-9]+$/.test(String(v).trim())) { problems.push([f.code, messages.not_an_integer]); }
        else if (Number(v) < f.min || Number(v) > f.max) { problems.push([f.code, f.out_of_range]); }
      } else if (f.type === 'date') {
        if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(v)) { problems.push([f.code, messages.not_a_date]); }
        else if (!f.future && v > today) { problems.push([f.code, messages.in_the_future]); }
      }
    });
    return problems;
  }

  // Each problem beside its field, and the list above the form (the input is kept).
  function showProblems(problems) {
    Array.prototype.forEach.call(form.querySelectorAll('[data-offline-error]'), function (e) { e.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll('.field.has-error'), function (e) { e.classList.remove('has-error'); });
    var summary = document.getElementById('offline-problems');
    if (summary) { summary.remove(); }
    if (!problems.length) { return; }
    summary = document.createElement('section');
    summary.id = 'offline-problems';
    summary.className = 'problem';
    summary.setAttribute('role', 'alert');
    summary.tabIndex = -1;
    var title = document.createElement('h2');
    title.textContent = (rules.messages || {}).title || '';
    var list = document.createElement('ul');
    problems.forEach(function (p) {
      var input = form.querySelector('[name="' + p[0] + '"]');
      var field = input && input.closest('.field');
      var label = field && field.querySelector('label, legend');
      var li = document.createElement('li');
      li.textContent = (label ? label.textContent.replace('*', '').trim() + ': ' : '') + p[1];
      list.appendChild(li);
      if (field) {
        field.classList.add('has-error');
        var e = document.createElement('p');
        e.className = 'error';
        e.setAttribute('data-offline-error', '');
        e.textContent = p[1];
        field.appendChild(e);
      }
    });
    summary.appendChild(title);
    summary.appendChild(list);
    form.parentNode.insertBefore(summary, form);
    summary.focus();
  }

  function fill(card) {
    form.reset();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name.charAt(0) === '_' || !(el.name in card)) { return; }
      var v = card[el.name];
      var list = Array.isArray(v) ? v : [v];
      if (el.type === 'checkbox' || el.type === 'radio') { el.checked = list.indexOf(el.value) >= 0; }
      else { el.value = list[0]; }
    });
  }

  // The copy of the followed cases: taken with a link, kept sealed like the queue.
  function takeCopy() {
    if (!onCase || !dataKey) { return Promise.resolve(); }
    return fetch('/api/v1/field/copy', {
      cache: 'no-store', credentials: 'same-origin', headers: { 'accept-language': document.documentElement.lang }
    }).then(function (r) {
      if (!r.ok || r.redirected) { throw new Error('no copy'); }
      return r.json();
    }).then(function (taken) {
      return seal(taken).then(function (sealed) {
        return put('keys', { name: 'copy', iv: sealed.iv, sealed: sealed.sealed });
      });
    }).catch(function () { /* no link: the copy kept before */ });
  }

  function readCopy() {
    if (!onCase || !dataKey) { return Promise.resolve(); }
    return get('keys', 'copy').then(function (kept) {
      if (!kept) { copy = null; say(text('no-copy')); return; }
      return openCard(kept).then(function (opened) { copy = opened; });
    }).then(function () {
      var chosen = caseSelect.value;
      while (caseSelect.options.length > 1) { caseSelect.remove(1); }
      ((copy && copy.cases) || []).forEach(function (c) {
        var o = document.createElement('option');
        o.value = c.id;
        o.textContent = c.number + ' — ' + c.first_name;
        caseSelect.appendChild(o);
      });
      caseSelect.value = chosen;
      showCase();
    });
  }

  function chosenCase() {
    var id = caseSelect && caseSelect.value;
    return ((copy && copy.cases) || []).filter(function (c) { return c.id === id; })[0] || null;
  }

  function showCase() {
    var box = document.getElementById('offline-case-summary');
    if (!box) { return; }
    box.textContent = '';
    var c = chosenCase();
    if (!c) { return; }
    var line = function (label, value) {
      var p = document.createElement('p');
      p.textContent = label + ' ' + value;
      box.appendChild(p);
    };
    line('', c.stage_label);
    line(text('last-followup'), c.last_followup || '—');
    if (c.actions.length) {
      line(text('actions'), '');
      var ul = document.createElement('ul');
      c.actions.forEach(function (a) {
        var li = document.createElement('li');
        li.textContent = a.text + (a.due ? ' · ' + a.due : '');
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    line(text('copy-at'), new Date(copy.taken_at).toLocaleString(document.documentElement.lang));
  }
  if (caseSelect) { caseSelect.addEventListener('change', showCase); }

  // A refused card opened from another page's queue (`#edit=ID`).
  function editFromAddress() {
    var m = location.hash.match(/^#edit=([0-9a-f-]+)$/);
    if (!m) { return Promise.resolve(); }
    return get('queue', m[1]).then(function (item) {
      if (item && item.sealed && (item.form || 'report') === kind) { return edit(item); }
    });
  }

  document.getElementById('offline-unlock').addEventListener('submit', function (event) {
    event.preventDefault();
    var pin = document.getElementById('offline-pin').value;
    if (!/^[0-9]{6,12}$/.test(pin)) { say(text('pin-short')); return; }
    say(text('working'));
    unlock(pin).then(function (key) {
      dataKey = key;
      document.getElementById('offline-pin').value = '';
      say(text('unlocked'));
      return takeCopy().then(readCopy).then(editFromAddress).then(function () {
        panel.setAttribute('data-unlocked', 'true');
        return sync();
      });
    }, function (e) { say(text(e && e.message === 'expired' ? 'expired' : 'pin-wrong')); });
  });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!dataKey) { say(text('locked')); document.getElementById('offline-pin').focus(); return; }
    var draft = !onCase && event.submitter && event.submitter.value === 'draft';
    var card = values();
    var problems = check(card, draft);
    var followed = onCase ? chosenCase() : null;
    if (onCase && !followed) { problems.unshift(['', text('case-required')]); }
    showProblems(problems);
    if (problems.length) { return; }
    var content = onCase ? { case: followed.id, based_on: followed.based_on, values: card } : card;
    seal(content).then(function (sealed) {
      return put('queue', { id: uuidv7(), at: Date.now(), state: 'waiting', form: kind, draft: draft, iv: sealed.iv, sealed: sealed.sealed });
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
