// The room's live view of a meeting's questions: fetch the list again every few seconds and
// swap it in, so the projector never reloads the page (the QR code stays put).
(function () {
  "use strict";
  var list = document.getElementById("live-list");
  if (!list || !window.fetch) { return; }
  var every = Math.max(2, parseInt(list.getAttribute("data-every"), 10) || 5) * 1000;
  function refresh() {
    fetch(list.getAttribute("data-src"), { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null && html !== list.innerHTML) { list.innerHTML = html; } })
      .catch(function () { /* offline for a moment: try again next time */ })
      .then(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
})();
