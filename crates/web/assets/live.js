// Linking cards in real time: the counter in the header shows how many wait for an
// answer (and how many are overdue), kept current by the server's event stream; the
// list of linking cards reloads when one arrives. Without scripts, the pages still work.
(function () {
  var badge = document.getElementById("inbox-count");
  if (!badge || !window.EventSource || !window.fetch) {
    return;
  }
  function refresh() {
    fetch("/api/v1/referrals/waiting", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (n) {
        if (!n) { return; }
        badge.textContent = n.waiting > 0 ? String(n.waiting) : "";
        badge.classList.toggle("risk", n.overdue > 0);
        badge.hidden = n.waiting === 0;
      });
  }
  refresh();
  var live = document.querySelector("[data-live-referrals]");
  if (live) { live.hidden = false; }
  var source = new EventSource("/api/v1/events");
  // Opening a card marks it received, which sends an event: reloading the list then
  // would cancel the very navigation that caused it.
  var leaving = false;
  window.addEventListener("beforeunload", function () { leaving = true; });
  function changed() {
    refresh();
    if (live && !leaving) { window.location.reload(); }
  }
  source.addEventListener("referral.sent", changed);
  source.addEventListener("referral.updated", changed);
  // A receiving service added to the file or answered (issue 16).
  source.addEventListener("referral.contribution", changed);
  source.addEventListener("resync", changed);
  source.onerror = function () {
    // Not allowed (403) or the server is gone: the browser would retry for ever.
    if (source.readyState === EventSource.CLOSED) { source.close(); }
  };
})();
