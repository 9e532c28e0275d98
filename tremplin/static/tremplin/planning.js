/* Tremplin planner screens: progress polling, plan map, single submission of the scenario form.
 *
 * - `[data-planning-poll]` asks its URL (etat.json) every few seconds and updates the progress bar;
 *   when the computation ends the page reloads (the "Rafraîchir" link does the same without JavaScript).
 *   With `data-planning-curve` it follows the curve's computation instead of the scenario's.
 * - `[data-planning-map]` names a json_script element {territories, departements, contours, mediators}
 *   and becomes a Leaflet map without any tile server: département outlines, one colour per mediator
 *   and a line joining each mediator's offices, fitted to the offices of the plan's first territory
 *   (metropolitan France, or the whole of it when the plan has no office yet). Each
 *   `[data-planning-inset]` (an overseas territory's code; `data-planning-source` names the same data)
 *   becomes a small map of that territory's offices: drawn on one map, Réunion and Guadeloupe would make
 *   the 400 offices of metropolitan France a single dot. The tables of the page are the accessible
 *   alternative.
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

  // Département outlines, fetched once for the main map and its insets.
  var contoursCache = {};
  function contours(url) {
    if (!url || !window.fetch) return null;
    if (!contoursCache[url]) {
      contoursCache[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .catch(function () { return null; /* outlines are decoration */ });
    }
    return contoursCache[url];
  }

  /* One map of one territory (metropolitan France or an overseas one): its outlines, and the offices
   * of the mediators of that territory only, fitted to their extent (`territory.bounds`). */
  function territoryMap(element, data, territory, options) {
    var map = L.map(element, {
      zoomControl: false, attributionControl: false, minZoom: 4, maxZoom: 14, zoomSnap: 0.25
    });
    L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
    if (options.attribution) {
      L.control.attribution({ prefix: false })
        .addAttribution("Contours : IGN, INSEE (Licence Ouverte) — Sites : La Poste")
        .addTo(map);
    }
    map.createPane("contours").style.zIndex = 350;
    if (territory && territory.bounds) {
      map.fitBounds(territory.bounds, { padding: options.padding, maxZoom: options.maxZoom });
    } else {
      map.setView([46.6, 2.5], 5);
    }
    var chosen = {};
    (data.departements || []).forEach(function (code) { chosen[code] = true; });
    var outlines = contours(data.contours);
    if (outlines) {
      outlines.then(function (geo) {
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
      });
    }
    var code = territory ? territory.code : null;
    (data.mediators || []).forEach(function (mediator) {
      if (code && mediator.territory && mediator.territory !== code) return;
      var latlngs = mediator.offices.map(function (office) { return [office.lat, office.lon]; });
      if (latlngs.length > 1) {
        L.polyline(latlngs, { color: mediator.colour, weight: 3, opacity: 0.8, className: "tremplin-circuit" }).addTo(map);
      }
      mediator.offices.forEach(function (office) {
        L.circleMarker([office.lat, office.lon], {
          radius: options.radius,
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
    return map;
  }

  function planData(element, attribute) {
    var source = document.getElementById(element.getAttribute(attribute));
    return source ? JSON.parse(source.textContent) : null;
  }

  // The main map shows the first territory of the plan (metropolitan France when it has offices there).
  function planMap(element) {
    var data = planData(element, "data-planning-map");
    if (!data || !window.L) return;
    var territory = (data.territories || [])[0] || { code: null, bounds: data.bounds };
    territoryMap(element, data, territory, { attribution: true, padding: [30, 30], maxZoom: 11, radius: 7 });
  }

  // Each overseas territory of the plan in a small map of its own, fitted to its offices.
  function insetMap(element) {
    var data = planData(element, "data-planning-source");
    if (!data || !window.L) return;
    var code = element.getAttribute("data-planning-inset");
    var territory = (data.territories || []).filter(function (t) { return t.code === code; })[0];
    if (!territory) return;
    element.style.height = "16rem";  // (CSSOM, allowed by the page's CSP, unlike a style attribute)
    territoryMap(element, data, territory, { attribution: false, padding: [15, 15], maxZoom: 10, radius: 6 });
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
    Array.prototype.forEach.call(document.querySelectorAll("[data-planning-inset]"), insetMap);
    Array.prototype.forEach.call(document.querySelectorAll("[data-planning-form]"), singleSubmit);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
