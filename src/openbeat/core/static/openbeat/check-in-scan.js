/* Check-in at the door: scan a reply's QR code with the phone's camera where the browser has
 * the BarcodeDetector API (Chrome on Android, among others). The code read is put in the
 * typed-code form and the form is sent, so a scan and a typed code go the same way (and, with
 * no signal, into the same queue). Without the API, or without JavaScript, the form is there. */
(function () {
  "use strict";
  var section = document.querySelector("[data-qr-scanner]");
  if (!section || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var form = document.querySelector("form[data-offline-queue]");
  var input = form && form.querySelector("input[name=code]");
  if (!input) return;
  var video = section.querySelector("[data-scan-video]");
  var start = section.querySelector("[data-scan-start]");
  var stop = section.querySelector("[data-scan-stop]");
  var message = section.querySelector("[data-scan-message]");
  var stream = null;
  var detector = null;

  function codeFrom(text) {
    try {
      var url = new URL(text);
      return url.searchParams.get("code") || "";
    } catch (error) {
      return text.length <= 32 ? text : "";
    }
  }

  function halt() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }

  function look() {
    if (!stream) return;
    detector.detect(video).then(function (found) {
      var code = found.length ? codeFrom(found[0].rawValue) : "";
      if (!code) { requestAnimationFrame(look); return; }
      halt();
      input.value = code;
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }, function () { requestAnimationFrame(look); });
  }

  start.addEventListener("click", function () {
    BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") === -1) throw new Error("no QR");
      detector = new BarcodeDetector({ formats: ["qr_code"] });
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.hidden = false;
      stop.hidden = false;
      start.hidden = true;
      message.textContent = "";
      return video.play();
    }).then(look, function () {
      halt();
      message.textContent = section.dataset.textNoCamera || "";
    });
  });
  stop.addEventListener("click", halt);
  section.hidden = false;
})();
