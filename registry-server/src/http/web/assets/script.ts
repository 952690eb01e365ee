/**
 * The one script: progressive enhancement only (every page works without it). External file,
 * so the CSP needs no 'unsafe-inline'. Plain ES2017, no build step.
 */
export const SCRIPT = `"use strict";
(function () {
  var live = document.getElementById("announce");
  function say(text) { if (live) { live.textContent = ""; setTimeout(function () { live.textContent = text; }, 50); } }
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", ""); area.className = "sr-only";
    document.body.appendChild(area); area.select();
    var ok = false; try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area); return ok;
  }
  // Copy buttons are rendered hidden and shown here: without this script there are no dead buttons.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-copy") || "";
      var done = function (ok) {
        var label = button.textContent;
        button.textContent = ok ? "Copied" : "Select and copy";
        say(ok ? "Copied " + text : "Could not copy; select the text and copy it");
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallbackCopy(text)); });
      } else { done(fallbackCopy(text)); }
    });
  });
  // Filter forms leave empty fields out of the URL, so shared links stay short and readable.
  document.querySelectorAll("form[data-compact]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) { if (typeof value === "string" && value.trim() !== "") params.append(key, value.trim()); });
      event.preventDefault();
      var qs = params.toString();
      window.location.assign(form.getAttribute("action") + (qs ? "?" + qs : ""));
    });
  });
})();
`;
