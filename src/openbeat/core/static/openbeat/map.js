// Progressive enhancement: every page works without this; it adds a map of the listed places.
(function () {
  "use strict";
  document.querySelectorAll("[data-map]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-map"));
    if (!source || typeof L === "undefined") { return; }
    var points = JSON.parse(source.textContent);
    if (!points.length) { return; }
    L.Icon.Default.imagePath = el.getAttribute("data-icons");
    var map = L.map(el, { zoomControl: false, scrollWheelZoom: false });
    L.control.zoom({ zoomInTitle: el.getAttribute("data-zoom-in"), zoomOutTitle: el.getAttribute("data-zoom-out") }).addTo(map);
    L.tileLayer(el.getAttribute("data-tiles"), {
      maxZoom: 19, attribution: el.getAttribute("data-attribution")
    }).addTo(map);
    var bounds = [];
    points.forEach(function (p) {
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.title + " — " + p.name;
      L.marker([p.lat, p.lon], { title: p.name, alt: p.name }).addTo(map).bindPopup(link);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length === 1) { map.setView(bounds[0], 16); } else { map.fitBounds(bounds, { padding: [24, 24] }); }
  });
})();
