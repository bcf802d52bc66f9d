// Concern pins for the visible part of the map only, fetched page by page as the map moves.
// Pins closer than a finger's width on screen are drawn as one numbered group (WCAG 2.2's
// target size: every pin and group is at least 24 px and apart from its neighbours); a group
// zooms in when chosen, or, at the closest zoom, lists its concerns.
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

  var pins = [];
  var APART = 56;  // px between the anchors of two targets (icons are 25 x 41 and 36 x 36)

  function link(p) {
    var a = document.createElement("a");
    a.href = p.url;
    a.textContent = "#" + p.id + " " + p.category + " (" + p.status + ")";
    return a;
  }

  function draw() {
    layer.clearLayers();
    var groups = [];
    pins.forEach(function (p) {
      var at = map.latLngToContainerPoint([p.lat, p.lon]);
      for (var i = 0; i < groups.length; i += 1) {
        if (groups[i].at.distanceTo(at) < APART) { groups[i].pins.push(p); return; }
      }
      groups.push({ at: at, pins: [p] });
    });
    groups.forEach(function (g) {
      var first = g.pins[0];
      if (g.pins.length === 1) {
        L.marker([first.lat, first.lon], { title: first.category, alt: first.category })
          .addTo(layer).bindPopup(link(first));
        return;
      }
      var label = el.getAttribute("data-group-label").replace("%(n)s", g.pins.length);
      var marker = L.marker([first.lat, first.lon], {
        title: label, alt: label,
        icon: L.divIcon({ className: "pin-group", html: String(g.pins.length), iconSize: [36, 36], iconAnchor: [18, 36] })
      }).addTo(layer);
      var bounds = L.latLngBounds(g.pins.map(function (p) { return [p.lat, p.lon]; }));
      if (map.getZoom() < map.getMaxZoom() && bounds.getNorthEast().distanceTo(bounds.getSouthWest()) > 1) {
        marker.on("click keypress", function () { map.fitBounds(bounds.pad(0.5), { maxZoom: map.getMaxZoom() }); });
      } else {
        var list = document.createElement("ul");
        g.pins.forEach(function (p) { var li = document.createElement("li"); li.appendChild(link(p)); list.appendChild(li); });
        marker.bindPopup(list);
      }
    });
  }

  function load(page, mine) {
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (n) { return n.toFixed(5); });
    fetch(el.getAttribute("data-pins") + "?bbox=" + bbox.join(",") + "&page=" + page)
      .then(function (r) { return r.ok ? r.json() : { pins: [] }; })
      .then(function (data) {
        if (mine !== generation) { return; }
        // Each pin is an array of data.columns; names and the link come once an answer.
        var at = {};
        (data.columns || []).forEach(function (name, i) { at[name] = i; });
        data.pins.forEach(function (row) {
          pins.push({
            id: row[at.id], lat: row[at.lat], lon: row[at.lon],
            category: data.categories[row[at.category]], status: data.statuses[row[at.status]],
            url: data.url.replace("{id}", row[at.id])
          });
        });
        draw();
        if (data.next_page && data.next_page <= 10) { load(data.next_page, mine); }
      });
  }

  function refresh() { generation += 1; pins = []; layer.clearLayers(); load(1, generation); }
  map.on("moveend", refresh);
  refresh();
})();
