/* Offline at the table: a staff form with `data-offline-queue` keeps working with no signal.
 *
 * With no connection, submitting the form stores the entry on this phone (IndexedDB) instead of
 * sending it; the status element (`data-offline-status`, role=status) says "3 waiting to send".
 * Entries are sent when the connection returns (the `online` event) and on every page load.
 * Each entry carries its own nonce (the form's hidden `nonce` field, made here per entry): the
 * server stores a nonce once, so an entry sent twice is stored once and answered as the first.
 *
 * Opting a form in (docs/offline.md): give it `data-offline-queue` (and `data-offline-label`,
 * a word for its entries), a hidden `nonce` field the view stores uniquely, and include
 * staff/_offline_status.html and this script on its page. The view must answer a stored entry
 * with a 2xx (after its redirect) and a refused one with a 4xx other than 403.
 *
 * With the connection up, forms are sent as usual (the page works without JavaScript).
 */
(function () {
  "use strict";
  var status = document.querySelector("[data-offline-status]");
  if (!status || !window.indexedDB) return;
  var text = status.dataset;
  var signInPath = new URL(text.signInUrl, location.href).pathname;

  if ("serviceWorker" in navigator) {
    var swUrl = new URL(text.swUrl, location.href);
    var scope = swUrl.pathname.replace(/[^/]*$/, "");
    navigator.serviceWorker.register(swUrl.pathname, { scope: scope }).catch(function () {});
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("openbeat-offline", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("entries", { keyPath: "nonce" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("entries", mode);
        var result = work(tx.objectStore("entries"));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  var all = function () { return store("readonly", function (s) { return s.getAll(); }); };
  var put = function (entry) { return store("readwrite", function (s) { s.put(entry); }); };
  var remove = function (nonce) { return store("readwrite", function (s) { s.delete(nonce); }); };

  function newNonce() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function say(count, note) {
    var parts = [];
    if (count === 1) parts.push(text.textWaitingOne);
    else if (count > 1) parts.push(text.textWaitingMany.replace("__N__", String(count)));
    if (note) parts.push(note);
    status.textContent = parts.join(" · ");
    status.dataset.waiting = String(count);
    if (note === text.textSignIn) {
      var link = document.createElement("a");
      link.href = text.signInUrl + "?next=" + encodeURIComponent(location.pathname);
      link.textContent = text.textSignInLink || link.href;
      status.appendChild(document.createTextNode(" "));
      status.appendChild(link);
    }
  }

  function refresh(note) {
    return all().then(function (entries) { say(entries.length, note); return entries; });
  }

  function currentCsrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  var syncing = false;
  var retry = null;
  function sync() {
    if (syncing || !navigator.onLine) return Promise.resolve();
    syncing = true;
    clearTimeout(retry);
    // One tab sends at a time (each open meeting page hears `online`): the others wait, then
    // find the queue emptied. Where the browser has no Web Locks, the nonce still stores once.
    var done = function () { syncing = false; };
    if (navigator.locks) {
      return navigator.locks.request("openbeat-offline-sync", sendAll).then(done, done);
    }
    return sendAll().then(done, done);
  }

  function sendAll() {
    var note = "";
    var stalled = false;
    return all().then(function (entries) {
      entries.sort(function (a, b) { return a.created - b.created; });
      var chain = Promise.resolve(true);
      entries.forEach(function (entry) {
        chain = chain.then(function (goOn) {
          if (!goOn) return false;
          var body = new URLSearchParams(entry.body);
          // The token of the page in hand: signing in again changes the cookie's secret.
          var token = currentCsrfToken();
          if (token) body.set("csrfmiddlewaretoken", token);
          return fetch(entry.url, {
            method: "POST",
            body: body,
            credentials: "same-origin",
            headers: { "X-Offline-Queue": "1" }
          }).then(function (response) {
            var landed = new URL(response.url, location.href).pathname;
            if (landed === signInPath || response.status === 403) {
              note = text.textSignIn;  // kept: sent after the officer signs in again
              return false;
            }
            if (response.ok) return remove(entry.nonce).then(function () { return true; });
            if (response.status >= 400 && response.status < 500) {
              note = text.textRefused + (entry.summary ? " (" + entry.summary + ")" : "");
              return remove(entry.nonce).then(function () { return true; });
            }
            stalled = true;  // the server is unwell: try again later
            return false;
          }, function () { stalled = true; return false; });  // still no connection
        });
      });
      return chain;
    }).then(function () {
      return refresh(note);
    }).then(function (left) {
      if (!left.length && !note && status.dataset.hadWaiting === "1") say(0, text.textSent);
      status.dataset.hadWaiting = left.length ? "1" : "0";
      if (left.length && stalled) retry = setTimeout(sync, 20000);
    }).catch(function () {});
  }

  function summaryOf(form, data) {
    var first = "";
    data.forEach(function (value, key) {
      if (!first && typeof value === "string" && value.trim() &&
          key !== "csrfmiddlewaretoken" && key !== "nonce") {
        var field = form.elements[key];
        if (field && field.type !== "hidden" && field.tagName !== "SELECT") first = value.trim();
      }
    });
    return first.slice(0, 40);
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-offline-queue]"), function (form) {
    var nonceField = form.querySelector("input[name=nonce]");
    if (!nonceField) {
      nonceField = document.createElement("input");
      nonceField.type = "hidden";
      nonceField.name = "nonce";
      form.appendChild(nonceField);
    }
    // A fresh nonce on every load: a page drawn from the phone's cache repeats the one it had.
    nonceField.value = newNonce();
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) return;  // sent as usual
      event.preventDefault();
      var data = new FormData(form);
      var body = new URLSearchParams();
      data.forEach(function (value, key) {
        if (typeof value === "string") body.append(key, value);  // photos wait for a signal
      });
      var entry = {
        nonce: nonceField.value,
        url: form.action,
        body: body.toString(),
        label: form.dataset.offlineLabel || "",
        summary: summaryOf(form, data),
        created: Date.now()
      };
      put(entry).then(function () {
        form.reset();
        // The next entry starts empty, even where the page came with a value (a scanned code).
        Array.prototype.forEach.call(form.querySelectorAll("textarea, input"), function (field) {
          if (/^(text|search|email|tel|number|url|)$/.test(field.type) || field.tagName === "TEXTAREA") {
            field.value = "";
          }
        });
        nonceField.value = newNonce();
        status.dataset.hadWaiting = "1";
        return refresh(text.textQueued);
      });
    });
  });

  window.addEventListener("online", sync);
  window.addEventListener("offline", function () { refresh(text.textOffline); });
  refresh(navigator.onLine ? "" : text.textOffline).then(sync);
})();
