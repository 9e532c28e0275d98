/* Tremplin maps: Leaflet without any tile server.
 *
 * Every element with a `data-map` attribute becomes a map; the attribute names the id of a
 * json_script element holding {departement, bounds, sites, qpvs, contours}. The base layer is made of
 * the outlines of régions and départements served by Tremplin itself (empty when the data is absent:
 * the points are still shown). The tables of the page are the accessible alternative to the map.
 */
(function () {
  "use strict";

  var COLOURS = {
    bureau: "#000091",
    postal: "#b34000",
    autre: "#18753c",
    qpv: "#ce0500",
    region: "#3a3a3a",
    departement: "#929292",
    current: "#000091"
  };
  var FRANCE = { center: [46.6, 2.5], zoom: 5 };

  function popupContent(lines) {
    var root = document.createElement("div");
    lines.forEach(function (line, index) {
      if (!line) return;
      var p = document.createElement("p");
      p.className = "fr-text--sm fr-mb-1v";
      if (index === 0) {
        var strong = document.createElement("strong");
        strong.textContent = line;
        p.appendChild(strong);
      } else {
        p.textContent = line;
      }
      root.appendChild(p);
    });
    return root;
  }

  function siteLayer(collection) {
    return L.geoJSON(collection, {
      pointToLayer: function (feature, latlng) {
        var category = feature.properties.category;
        var colour = COLOURS[category] || COLOURS.autre;
        return L.circleMarker(latlng, {
          radius: category === "bureau" ? 7 : 5,
          color: "#ffffff",
          weight: 1.5,
          fillColor: colour,
          fillOpacity: 0.9,
          className: "tremplin-marker tremplin-marker--" + category
        });
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer.bindPopup(popupContent([p.name, p.kind, p.address]));
      }
    });
  }

  function qpvLayer(collection) {
    var style = { color: COLOURS.qpv, weight: 2, dashArray: "4 3", fillColor: COLOURS.qpv, fillOpacity: 0.15 };
    return L.geoJSON(collection, {
      style: function () { return style; },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, Object.assign({ radius: 8, className: "tremplin-marker tremplin-marker--qpv" }, style));
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer.bindPopup(popupContent([p.name, "Quartier prioritaire " + p.code]));
      }
    });
  }

  function loadContours(map, url, style, onLoad) {
    if (!url || !window.fetch) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.features || !data.features.length) return;
        var layer = L.geoJSON(data, { pane: "contours", interactive: false, style: style }).addTo(map);
        if (onLoad) onLoad(layer);
      })
      .catch(function () { /* outlines are decoration: the points stay on the map */ });
  }

  function init(element) {
    var source = document.getElementById(element.getAttribute("data-map"));
    if (!source || !window.L) return;
    var data = JSON.parse(source.textContent);

    var map = L.map(element, {
      zoomControl: false,
      attributionControl: false,
      minZoom: 4,
      maxZoom: 14
    });
    L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    L.control.attribution({ prefix: false })
      .addAttribution("Contours : IGN, INSEE (Licence Ouverte) — Sites : La Poste, ANCT")
      .addTo(map);
    map.createPane("contours").style.zIndex = 350;

    var fitted = false;
    if (data.bounds) {
      map.fitBounds(data.bounds, { padding: [20, 20], maxZoom: 12 });
      fitted = true;
    } else {
      map.setView(FRANCE.center, FRANCE.zoom);
    }

    var contours = data.contours || {};
    loadContours(map, contours.regions, function () {
      return { color: COLOURS.region, weight: 1.5, fill: false };
    });
    loadContours(map, contours.departements, function (feature) {
      var current = feature.properties && feature.properties.code === data.departement;
      return current
        ? { color: COLOURS.current, weight: 3, fillColor: "#ffffff", fillOpacity: 0.6 }
        : { color: COLOURS.departement, weight: 1, fillColor: "#f6f6f6", fillOpacity: 0.4 };
    }, function (layer) {
      if (fitted) return;
      layer.eachLayer(function (sub) {
        if (sub.feature.properties.code === data.departement) {
          map.fitBounds(sub.getBounds(), { padding: [20, 20] });
        }
      });
    });

    if (data.qpvs) qpvLayer(data.qpvs).addTo(map);
    if (data.sites) siteLayer(data.sites).addTo(map);
    element.setAttribute("data-map-ready", "true");
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
