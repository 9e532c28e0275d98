/* Tremplin planner screens: progress polling, plan map, single submission of the scenario form.
 *
 * - `[data-planning-poll]` asks its URL (etat.json) every few seconds and updates the progress bar;
 *   when the computation ends the page reloads (the "Rafraîchir" link does the same without JavaScript).
 *   With `data-planning-curve` it follows the curve's computation instead of the scenario's.
 * - `[data-planning-map]` names a json_script element {bounds, departements, contours, mediators} and
 *   becomes a Leaflet map without any tile server: département outlines, one colour per mediator and a
 *   line joining each mediator's offices. The tables of the page are the accessible alternative.
 * - `[data-planning-form]` disables its submit button once sent (the server also refuses a second
 *   submission of the same form through its one-time token).
 */
(function () {
  "use strict";

  var POLL_MS = 2000;

  function poll(element) {
    var url = element.getAttribute("data-planning-poll");
    var curve = element.hasAttribute("data-planning-curve");
    var bar = element.querySelector("[data-planning-bar]");
    var percent = element.querySelector("[data-planning-percent]");
    var stage = element.querySelector("[data-planning-stage]");
    var status = element.querySelector("[data-planning-status]");
    if (!url || !window.fetch) return;

    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (!state) return;
          var current = curve ? state.curve : state;
          if (!current) return;
          if (current.finished) {
            window.location.hash = curve ? "courbe" : "";
            window.location.reload();
            return;
          }
          if (bar) { bar.value = current.percent; bar.textContent = current.percent + " %"; }
          if (percent) percent.textContent = current.percent;
          if (stage) stage.textContent = current.stage ? " — " + current.stage : "";
          if (status && current.status_label) status.textContent = current.status_label;
          window.setTimeout(tick, POLL_MS);
        })
        .catch(function () { window.setTimeout(tick, POLL_MS * 3); });
    }
    window.setTimeout(tick, POLL_MS);
  }

  function popup(lines) {
    return window.TremplinMap.popupContent(lines);
  }

  function planMap(element) {
    var source = document.getElementById(element.getAttribute("data-planning-map"));
    if (!source || !window.L) return;
    var data = JSON.parse(source.textContent);
    var map = L.map(element, { zoomControl: false, attributionControl: false, minZoom: 4, maxZoom: 14 });
    L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    L.control.attribution({ prefix: false })
      .addAttribution("Contours : IGN, INSEE (Licence Ouverte) — Sites : La Poste")
      .addTo(map);
    map.createPane("contours").style.zIndex = 350;
    if (data.bounds) {
      map.fitBounds(data.bounds, { padding: [30, 30], maxZoom: 11 });
    } else {
      map.setView([46.6, 2.5], 5);
    }
    var chosen = {};
    (data.departements || []).forEach(function (code) { chosen[code] = true; });
    if (data.contours && window.fetch) {
      fetch(data.contours, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (geo) {
          if (!geo || !geo.features || !geo.features.length) return;
          L.geoJSON(geo, {
            pane: "contours",
            interactive: false,
            style: function (feature) {
              return chosen[feature.properties && feature.properties.code]
                ? { color: "#000091", weight: 2.5, fillColor: "#ffffff", fillOpacity: 0.6 }
                : { color: "#929292", weight: 1, fillColor: "#f6f6f6", fillOpacity: 0.4 };
            }
          }).addTo(map);
        })
        .catch(function () { /* outlines are decoration */ });
    }
    (data.mediators || []).forEach(function (mediator) {
      var latlngs = mediator.offices.map(function (office) { return [office.lat, office.lon]; });
      if (latlngs.length > 1) {
        L.polyline(latlngs, { color: mediator.colour, weight: 3, opacity: 0.8, className: "tremplin-circuit" }).addTo(map);
      }
      mediator.offices.forEach(function (office) {
        L.circleMarker([office.lat, office.lon], {
          radius: 7,
          color: "#ffffff",
          weight: 1.5,
          fillColor: mediator.colour,
          fillOpacity: 0.95,
          className: "tremplin-marker tremplin-marker--plan"
        }).bindPopup(popup([
          office.name,
          "Médiateur " + mediator.number + " — département " + mediator.departement,
          office.commune ? "Commune : " + office.commune : "",
          "Identifiant La Poste : " + office.id
        ])).addTo(map);
      });
    });
    element.setAttribute("data-map-ready", "true");
  }

  function singleSubmit(form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (!button) return;
      window.setTimeout(function () {
        button.disabled = true;
        button.textContent = "Envoi en cours…";
      }, 0);
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-planning-poll]"), poll);
    Array.prototype.forEach.call(document.querySelectorAll("[data-planning-map]"), planMap);
    Array.prototype.forEach.call(document.querySelectorAll("[data-planning-form]"), singleSubmit);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
