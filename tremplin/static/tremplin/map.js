/* Tremplin maps: Leaflet without any tile server.
 *
 * Every element with a `data-map` attribute becomes a map; the attribute names the id of a
 * json_script element holding either
 *  - a département map: {departement, bounds, sites, qpvs, communes, contours}, communes being
 *    [code, name, lat, lon, population, score, class] drawn as circles coloured by fragility class;
 *  - a map of départements coloured by score: {mode: "departements", scores: {code: {name, score, class}},
 *    contours}, joined to the outlines by their GeoJSON `code` property.
 * The base layer is made of the outlines of régions and départements served by Tremplin itself (empty
 * when the data is absent: the points are still shown). The tables of the page are the accessible
 * alternative to the map.
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
  // Fragility classes 1 (least fragile) to 7 (most fragile); same colours as territory.css.
  var CLASS_COLOURS = [null, "#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#e31a1c", "#800026"];
  var NO_SCORE = "#b7b7b7";

  function formatNumber(value, digits) {
    return Number(value).toLocaleString("fr-FR", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  }

  function scoreText(score, klass) {
    if (score === null || score === undefined) return "Pas de score de fragilité";
    return "Score de fragilité : " + formatNumber(score, 1) + "/10 (classe " + klass + " sur 7)";
  }

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

  function communeLayer(rows) {
    var layer = L.layerGroup();
    // Biggest first, so that small communes stay visible (and clickable) on top.
    rows.slice().sort(function (a, b) { return b[4] - a[4]; }).forEach(function (row) {
      var klass = row[6];
      var marker = L.circleMarker([row[2], row[3]], {
        pane: "communes",
        radius: Math.min(22, 3 + Math.sqrt(row[4] || 0) / 25),
        color: "#3a3a3a",
        weight: 0.6,
        fillColor: klass ? CLASS_COLOURS[klass] : NO_SCORE,
        fillOpacity: 0.85,
        className: "tremplin-commune tremplin-commune--" + (klass ? "classe-" + klass : "sans-score")
      });
      marker.bindPopup(popupContent([
        row[1] + " (" + row[0] + ")",
        scoreText(row[5], klass),
        formatNumber(row[4], 0) + " habitants"
      ]));
      layer.addLayer(marker);
    });
    return layer;
  }

  function choropleth(map, data) {
    var scores = data.scores || {};
    var contours = data.contours || {};
    if (!contours.departements || !window.fetch) return;
    fetch(contours.departements, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (collection) {
        if (!collection || !collection.features) return;
        var layer = L.geoJSON(collection, {
          style: function (feature) {
            var entry = scores[feature.properties && feature.properties.code];
            var klass = entry && entry["class"];
            return {
              color: "#ffffff",
              weight: 0.8,
              fillColor: klass ? CLASS_COLOURS[klass] : NO_SCORE,
              fillOpacity: entry ? 0.9 : 0.35,
              className: "tremplin-departement tremplin-departement--" + (klass ? "classe-" + klass : "sans-score")
            };
          },
          onEachFeature: function (feature, sub) {
            var code = feature.properties && feature.properties.code;
            var entry = scores[code];
            if (!entry) {
              sub.options.interactive = false;
              return;
            }
            var root = popupContent([entry.name + " (" + code + ")", scoreText(entry.score, entry["class"])]);
            var link = document.createElement("a");
            link.href = data.departement_url.replace("__code__", encodeURIComponent(code));
            link.textContent = "Voir le département";
            root.appendChild(link);
            sub.bindPopup(root);
          }
        }).addTo(map);
        var bounds = L.latLngBounds([]);
        layer.eachLayer(function (sub) {
          if (scores[sub.feature.properties && sub.feature.properties.code]) bounds.extend(sub.getBounds());
        });
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
        map.getContainer().setAttribute("data-map-shapes", String(layer.getLayers().length));
      })
      .catch(function () { /* the table of départements stays the reference */ });
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
      maxZoom: 14,
      zoomSnap: 0.25  // without tiles, fractional zooms let France or a département fill the map
    });
    L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    L.control.attribution({ prefix: false })
      .addAttribution("Contours : IGN, INSEE (Licence Ouverte) — Sites : La Poste, ANCT")
      .addTo(map);
    map.createPane("contours").style.zIndex = 350;
    map.createPane("communes").style.zIndex = 380;

    if (data.mode === "departements") {
      map.setView(FRANCE.center, FRANCE.zoom);
      loadContours(map, (data.contours || {}).regions, function () {
        return { color: COLOURS.region, weight: 1.5, fill: false };
      });
      choropleth(map, data);
      element.setAttribute("data-map-ready", "true");
      return;
    }

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

    var overlays = {};
    if (data.communes && data.communes.length) {
      overlays["Communes (score de fragilité)"] = communeLayer(data.communes).addTo(map);
    }
    if (data.qpvs) overlays["Quartiers prioritaires"] = qpvLayer(data.qpvs).addTo(map);
    if (data.sites) overlays["Sites"] = siteLayer(data.sites).addTo(map);
    if (Object.keys(overlays).length > 1) {
      L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);
    }
    element.setAttribute("data-map-ready", "true");
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), init);
  }

  // Shared with the planner's map (planning.js), which loads this file first.
  window.TremplinMap = { popupContent: popupContent };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
