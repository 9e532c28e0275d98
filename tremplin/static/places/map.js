/* The map of the places found (Leaflet, no tile server: points only; the list is the textual alternative).
 * The element with `data-places-map` names a json_script element: {center: [lat, lon], places: [{name, kind,
 * lat, lon, distance, status, address, url}]}. */
(function () {
  "use strict";
  function line(parent, text, strong) {
    var p = document.createElement("p");
    p.className = "fr-text--sm fr-mb-1v";
    if (strong) {
      var s = document.createElement("strong");
      s.textContent = text;
      p.appendChild(s);
    } else {
      p.textContent = text;
    }
    parent.appendChild(p);
    return p;
  }
  function popup(place) {
    var root = document.createElement("div");
    line(root, place.name, true);
    line(root, place.kind + " — " + place.distance);
    line(root, place.address);
    line(root, place.status);
    if (place.url) {
      var p = line(root, "");
      var a = document.createElement("a");
      a.href = place.url;
      a.textContent = "Voir la fiche du lieu";
      p.appendChild(a);
    }
    return root;
  }
  document.querySelectorAll("[data-places-map]").forEach(function (element) {
    var source = document.getElementById(element.getAttribute("data-places-map"));
    if (!source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    var map = L.map(element, { attributionControl: false }).setView(data.center, 12);
    var bounds = [data.center];
    L.circleMarker(data.center, { radius: 6, color: "#3a3a3a", fillOpacity: 0.3 }).addTo(map).bindTooltip("Centre de la recherche");
    data.places.forEach(function (place) {
      var colour = place.url ? "#000091" : "#b34000";
      L.circleMarker([place.lat, place.lon], { radius: 8, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 0.9 })
        .addTo(map)
        .bindPopup(popup(place));
      bounds.push([place.lat, place.lon]);
    });
    if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  });
})();
