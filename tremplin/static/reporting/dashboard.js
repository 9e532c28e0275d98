/* Dashboard choropleth: département outlines (served by Tremplin, no tile server) coloured by identified people
 * or activities. The element with `data-dashboard-map` names a json_script holding
 *   {contours, names: {code: name}, measures: {personnes|activites: {code: {value, text, colour}}},
 *    links: {code: url}, labels: {personnes, activites}}.
 * The radios named "carte-mesure" switch the measure and its legend. The table of départements under the map
 * is its text alternative. */
(function () {
  "use strict";

  var FRANCE = { center: [46.6, 2.5], zoom: 5 };
  var EMPTY = "#f6f6f6";

  function popup(data, measure, code) {
    var root = document.createElement("div");
    var title = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = (data.names[code] || code) + " (" + code + ")";
    title.appendChild(strong);
    title.className = "fr-text--sm fr-mb-1v";
    root.appendChild(title);
    ["personnes", "activites"].forEach(function (name) {
      var entry = (data.measures[name] || {})[code];
      var line = document.createElement("p");
      line.className = "fr-text--sm fr-mb-1v";
      line.textContent = data.labels[name] + " : " + (entry ? entry.text : "0");
      root.appendChild(line);
    });
    if (data.links && data.links[code]) {
      var hint = document.createElement("p");
      hint.className = "fr-text--xs fr-mb-0";
      hint.textContent = "Cliquer pour ouvrir son tableau de bord";
      root.appendChild(hint);
    }
    return root;
  }

  function init(element) {
    var source = document.getElementById(element.getAttribute("data-dashboard-map"));
    if (!source || !window.L || !window.fetch) return;
    var data = JSON.parse(source.textContent);
    var measure = "personnes";
    var map = L.map(element, { zoomControl: false, attributionControl: false, minZoom: 4, maxZoom: 10, zoomSnap: 0.25 });
    L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    L.control.attribution({ prefix: false }).addAttribution("Contours : IGN, INSEE (Licence Ouverte)").addTo(map);
    map.setView(FRANCE.center, FRANCE.zoom);
    var layer = null;

    function style(feature) {
      var code = feature.properties && feature.properties.code;
      var entry = (data.measures[measure] || {})[code];
      return {
        color: "#ffffff",
        weight: 0.8,
        fillColor: entry ? entry.colour : EMPTY,
        fillOpacity: 0.9,
        className: "tremplin-departement" + (entry ? " tremplin-departement--avec" : "")
      };
    }

    function setMeasure(value) {
      measure = value;
      Array.prototype.forEach.call(document.querySelectorAll("[data-legend]"), function (legend) {
        legend.hidden = legend.getAttribute("data-legend") !== measure;
      });
      if (layer) layer.setStyle(style);
      element.setAttribute("data-measure", measure);
    }

    Array.prototype.forEach.call(document.querySelectorAll("input[name=carte-mesure]"), function (radio) {
      radio.addEventListener("change", function () { if (radio.checked) setMeasure(radio.value); });
    });

    fetch(data.contours, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (collection) {
        if (!collection || !collection.features) return;
        layer = L.geoJSON(collection, {
          style: style,
          onEachFeature: function (feature, sub) {
            var code = feature.properties && feature.properties.code;
            sub.bindTooltip(function () { return popup(data, measure, code); }, { sticky: true });
            if (data.links && data.links[code]) {
              // A click opens the département's dashboard (the viewer may see it); the tooltip gives its figures.
              sub.on("click", function () { window.location.href = data.links[code]; });
            } else {
              sub.bindPopup(function () { return popup(data, measure, code); });
            }
          }
        }).addTo(map);
        var bounds = L.latLngBounds([]);
        layer.eachLayer(function (sub) {
          var code = sub.feature.properties && sub.feature.properties.code;
          if (code && code.indexOf("97") !== 0 && (data.measures.activites || {})[code]) bounds.extend(sub.getBounds());
        });
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10], maxZoom: 8 });
        element.setAttribute("data-map-shapes", String(layer.getLayers().length));
        element.setAttribute("data-map-ready", "true");
      })
      .catch(function () { element.setAttribute("data-map-ready", "error"); });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-dashboard-map]"), init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
