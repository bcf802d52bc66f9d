// Progressive enhancement: the table beside it says everything; this draws the hexagons.
(function () {
  "use strict";
  var COLOURS = {
    "hot-99": "#b2182b", "hot-95": "#ef8a62", "hot-90": "#fddbc7",
    "cold-99": "#2166ac", "cold-95": "#67a9cf", "cold-90": "#d1e5f0"
  };
  document.querySelectorAll("[data-hotspots]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-hotspots"));
    if (!source || typeof L === "undefined") { return; }
    var cells = JSON.parse(source.textContent);
    if (!cells.length) { return; }
    var map = L.map(el, { zoomControl: false, scrollWheelZoom: false });
    L.control.zoom({ zoomInTitle: el.getAttribute("data-zoom-in"), zoomOutTitle: el.getAttribute("data-zoom-out") }).addTo(map);
    L.tileLayer(el.getAttribute("data-tiles"), {
      maxZoom: 19, attribution: el.getAttribute("data-attribution")
    }).addTo(map);
    var group = L.featureGroup().addTo(map);
    cells.forEach(function (c) {
      var colour = COLOURS[c.kind + "-" + c.confidence] || "#777777";
      L.polygon(c.outline, { color: "#333333", weight: 1, fillColor: colour, fillOpacity: 0.6 })
        .bindPopup((c.area ? c.area + ": " : "") + c.label + " · " + c.confidence + " % · " + c.concerns + " · z " + c.z)
        .addTo(group);
    });
    map.fitBounds(group.getBounds(), { padding: [24, 24] });
  });
})();
