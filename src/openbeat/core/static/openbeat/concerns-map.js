// Concern pins for the visible part of the map only, fetched page by page as the map moves.
(function () {
  "use strict";
  var el = document.querySelector("[data-pins]");
  if (!el || typeof L === "undefined") { return; }
  L.Icon.Default.imagePath = el.getAttribute("data-icons");
  var center = el.getAttribute("data-center").split(",").map(Number);
  var map = L.map(el, { zoomControl: false, scrollWheelZoom: false }).setView(center, 14);
  L.control.zoom({ zoomInTitle: el.getAttribute("data-zoom-in"), zoomOutTitle: el.getAttribute("data-zoom-out") }).addTo(map);
  L.tileLayer(el.getAttribute("data-tiles"), {
    maxZoom: 19, attribution: el.getAttribute("data-attribution")
  }).addTo(map);
  var layer = L.layerGroup().addTo(map);
  var generation = 0;

  function load(page, mine) {
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (n) { return n.toFixed(5); });
    fetch(el.getAttribute("data-pins") + "?bbox=" + bbox.join(",") + "&page=" + page)
      .then(function (r) { return r.ok ? r.json() : { pins: [] }; })
      .then(function (data) {
        if (mine !== generation) { return; }
        data.pins.forEach(function (p) {
          var link = document.createElement("a");
          link.href = p.url;
          link.textContent = "#" + p.id + " " + p.category + " (" + p.status + ")";
          L.marker([p.lat, p.lon], { title: p.category, alt: p.category }).addTo(layer).bindPopup(link);
        });
        if (data.next_page && data.next_page <= 10) { load(data.next_page, mine); }
      });
  }

  function refresh() { generation += 1; layer.clearLayers(); load(1, generation); }
  map.on("moveend", refresh);
  refresh();
})();
