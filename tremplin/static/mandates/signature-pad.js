/*
 * Signature pad of a mandate signed on the tablet: draw with a finger, a stylus or the mouse (pointer events),
 * "Effacer" to start again; the drawing is written as a PNG data URL ("data:image/png;base64,…") into the hidden
 * input `signature` of the same form, checked on the server by tremplin.mandates.documents.decode_signature
 * (PNG, 300 Ko at most, not empty). No dependency, no inline script or style (Content-Security-Policy).
 *
 * Progressive: without JavaScript the canvas and the "Effacer" button stay hidden and the form shows its
 * "sign on paper" note; with it, the note is hidden and the pad shown. A form is not sent while the pad is empty.
 *
 * Markup it expects (load with <script src="{% static 'mandates/signature-pad.js' %}" defer></script> and
 * <link rel="stylesheet" href="{% static 'mandates/signature-pad.css' %}">):
 *
 *   <form method="post">
 *     {% csrf_token %}
 *     <div class="tremplin-signature">
 *       <p class="fr-label" id="signature-label">Signature de la personne</p>
 *       <p data-signature-nojs>Sans JavaScript, on ne peut pas signer sur la tablette : imprimez le mandat et
 *         faites-le signer sur papier.</p>
 *       <canvas data-signature-pad data-signature-required hidden
 *               role="img" aria-labelledby="signature-label" aria-describedby="signature-hint"></canvas>
 *       <p class="fr-hint-text" id="signature-hint" data-signature-hint hidden>Signez dans le cadre avec le doigt
 *         ou le stylet.</p>
 *       <p class="fr-message fr-message--error" data-signature-error aria-live="polite" hidden></p>
 *       <button type="button" class="fr-btn fr-btn--secondary fr-btn--lg" data-signature-clear hidden>Effacer</button>
 *       <input type="hidden" name="signature" value="">
 *     </div>
 *     <button type="submit" class="fr-btn fr-btn--lg">Enregistrer la signature</button>
 *   </form>
 *
 * Only `canvas[data-signature-pad]` and the hidden input are required; the other data-signature-* elements are
 * optional. Several pads may sit on one page (one per form). Attributes of the canvas:
 *   - `data-target="id_signature"`: the id of the hidden input (default: the form's `input[name="signature"]`);
 *   - `data-signature-required`: the form is not sent while the pad is empty (it says why);
 *   - `data-signature-required-if="method=tablette"`: the same, only while that radio button or option is chosen
 *     (a form that offers paper or tablet);
 *   - `hidden` (and on the "Effacer" button): shown by this script only, so that without JavaScript only the
 *     "sign on paper" note (`data-signature-nojs`, hidden by this script) remains.
 * The canvas is sized by signature-pad.css (full width, 15rem high); it draws at the screen's resolution.
 */
(function () {
  "use strict";

  var MAX_BYTES = 300 * 1024; // as decode_signature
  var MESSAGES = {
    empty: "Signez dans le cadre avant d'enregistrer, ou imprimez le mandat pour le signer sur papier.",
    heavy: "La signature est trop lourde. Effacez-la et signez à nouveau, plus simplement.",
  };

  function approximateBytes(dataUrl) {
    var comma = dataUrl.indexOf(",");
    return Math.floor(((dataUrl.length - comma - 1) * 3) / 4);
  }

  function setup(canvas) {
    var form = canvas.closest("form");
    if (!form || !canvas.getContext) return;
    var target = canvas.getAttribute("data-target");
    var input = target ? document.getElementById(target) : form.querySelector('input[name="signature"]');
    if (!input) return;
    var clearButton = form.querySelector("[data-signature-clear]");
    var errorBox = form.querySelector("[data-signature-error]");
    var context = canvas.getContext("2d");
    var drawing = false;
    var inked = false;
    var last = null;

    function showError(text) {
      if (!errorBox) return;
      errorBox.textContent = text || "";
      errorBox.hidden = !text;
    }

    function fit() {
      // Draw at the screen's resolution; keep what is drawn if the size changes (rotation of the tablet).
      var rect = canvas.getBoundingClientRect();
      if (!rect.width || !rect.height) return;
      var ratio = window.devicePixelRatio || 1;
      var width = Math.max(1, Math.round(rect.width * ratio));
      var height = Math.max(1, Math.round(rect.height * ratio));
      if (canvas.width === width && canvas.height === height) return;
      var previous = inked ? canvas.toDataURL("image/png") : null;
      canvas.width = width;
      canvas.height = height;
      var after = canvas.getBoundingClientRect();
      if (Math.abs(after.width - rect.width) > 1 || Math.abs(after.height - rect.height) > 1) {
        // No stylesheet sizes the canvas: its new pixel size would enlarge it on screen. Keep the size it had.
        canvas.style.width = rect.width + "px";
        canvas.style.height = rect.height + "px";
      }
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#000";
      context.fillStyle = "#000";
      context.lineWidth = 2.5 * ratio;
      if (previous) {
        var image = new Image();
        image.onload = function () {
          context.drawImage(image, 0, 0, width, height);
          save();
        };
        image.src = previous;
      }
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - rect.left) * canvas.width) / rect.width,
        y: ((event.clientY - rect.top) * canvas.height) / rect.height,
      };
    }

    function dot(p) {
      context.beginPath();
      context.arc(p.x, p.y, context.lineWidth / 2, 0, 2 * Math.PI);
      context.fill();
    }

    function line(p) {
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(p.x, p.y);
      context.stroke();
      last = p;
    }

    function save() {
      if (!inked) {
        input.value = "";
        return;
      }
      var dataUrl = canvas.toDataURL("image/png");
      if (approximateBytes(dataUrl) > MAX_BYTES) {
        input.value = "";
        showError(MESSAGES.heavy);
        return;
      }
      input.value = dataUrl;
      showError("");
    }

    function clear() {
      context.clearRect(0, 0, canvas.width, canvas.height);
      inked = false;
      input.value = "";
      showError("");
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (event.button !== undefined && event.button > 0) return; // the main button, a finger or a pen
      event.preventDefault();
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      drawing = true;
      last = point(event);
      dot(last);
      inked = true;
    });

    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      if (!events.length) events = [event];
      for (var i = 0; i < events.length; i++) line(point(events[i]));
    });

    function stop(event) {
      if (!drawing) return;
      drawing = false;
      last = null;
      if (canvas.releasePointerCapture && event && event.pointerId !== undefined) {
        try {
          canvas.releasePointerCapture(event.pointerId);
        } catch (ignored) {
          /* already released */
        }
      }
      save();
    }

    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("lostpointercapture", stop);

    if (clearButton) {
      clearButton.addEventListener("click", function () {
        clear();
        canvas.focus();
      });
      clearButton.hidden = false;
    }

    function required() {
      if (canvas.hasAttribute("data-signature-required")) return true;
      var condition = canvas.getAttribute("data-signature-required-if");
      if (!condition || condition.indexOf("=") < 0) return false;
      var name = condition.slice(0, condition.indexOf("="));
      var value = condition.slice(condition.indexOf("=") + 1);
      var field = form.elements[name];
      if (!field) return false;
      if (field.length !== undefined && !field.options) {
        for (var i = 0; i < field.length; i++) if (field[i].checked) return field[i].value === value;
        return false;
      }
      return field.type === "radio" || field.type === "checkbox" ? field.checked && field.value === value : field.value === value;
    }

    form.addEventListener("submit", function (event) {
      if (!input.value && required()) {
        event.preventDefault();
        showError(inked ? MESSAGES.heavy : MESSAGES.empty);
        canvas.scrollIntoView({ block: "center" });
      }
    });

    Array.prototype.forEach.call(form.querySelectorAll("[data-signature-nojs]"), function (note) {
      note.hidden = true;
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-signature-hint]"), function (hint) {
      hint.hidden = false;
    });
    canvas.hidden = false;
    canvas.tabIndex = -1; // focusable by script (after "Effacer"), not a stop of the keyboard path
    input.value = "";
    fit();
    window.addEventListener("resize", fit);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-signature-pad]"), setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
