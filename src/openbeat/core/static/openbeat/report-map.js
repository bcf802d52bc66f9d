// Tap the map to place the concern's pin; it fills the hidden latitude and longitude fields.
// Without JavaScript the form still works through the address and place fields.
(function () {
  "use strict";
  var el = document.querySelector("[data-picker]");
  if (!el || typeof L === "undefined") { return; }
  var form = el.closest("form");
  var lat = form.querySelector("input[name=latitude]");
  var lon = form.querySelector("input[name=longitude]");
  var status = form.querySelector(".pin-status");
  L.Icon.Default.imagePath = el.getAttribute("data-icons");
  var center = el.getAttribute("data-center").split(",").map(Number);
  var map = L.map(el, { zoomControl: false }).setView(center, 14);
  L.control.zoom({ zoomInTitle: el.getAttribute("data-zoom-in"), zoomOutTitle: el.getAttribute("data-zoom-out") }).addTo(map);
  L.tileLayer(el.getAttribute("data-tiles"), {
    maxZoom: 19, attribution: el.getAttribute("data-attribution")
  }).addTo(map);
  var marker = null;

  function place(latlng) {
    if (marker) { marker.setLatLng(latlng); } else {
      marker = L.marker(latlng, { draggable: true, alt: el.getAttribute("data-pin-label") }).addTo(map);
      marker.on("dragend", function () { place(marker.getLatLng()); });
    }
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    status.textContent = lat.value + ", " + lon.value;
  }

  if (lat.value && lon.value) {
    var start = L.latLng(Number(lat.value), Number(lon.value));
    map.setView(start, 16);
    place(start);
  }
  map.on("click", function (e) { place(e.latlng); });
})();
