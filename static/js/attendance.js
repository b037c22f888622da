// Pointage: a mark must never be lost silently (progressive enhancement; without JavaScript each button is a
// plain form post). While a mark travels, its row says "Envoi…"; when the request fails (no network, timeout,
// server error) the row says "Non enregistré" with a "Réessayer" button, and a notice above the list counts such
// rows. When the browser comes back online, unsaved marks are sent again by themselves.
(function () {
  "use strict";
  if (!window.htmx) { return; }
  var pending = {};  // row id -> the status last pressed and not confirmed by the server

  function rowOf(elt) { return elt && elt.closest ? elt.closest("tr.att-row") : null; }
  function label(status) { return status === "absent" ? "Absent" : "Présent"; }
  function refreshNotice() {
    var notice = document.getElementById("att-offline");
    if (!notice) { return; }
    var n = document.querySelectorAll("tr.att-row--unsaved").length;
    notice.hidden = n === 0;
    notice.textContent = n === 0 ? "" : (n === 1
      ? "1 pointage n'est pas enregistré : vérifiez la connexion puis appuyez sur « Réessayer »."
      : n + " pointages ne sont pas enregistrés : vérifiez la connexion puis appuyez sur « Réessayer ».");
  }
  function send(row, status) {
    var form = row.querySelector("form.att-form");
    if (!form) { return; }
    var button = form.querySelector("button[value='" + status + "']");
    if (button) { button.click(); }  // a click: htmx sends the pressed button's value
  }
  function unsaved(row) {
    var status = pending[row.id];
    if (!status) { return; }
    row.classList.remove("att-row--pending");
    row.classList.add("att-row--unsaved");
    var slot = row.querySelector(".att-unsaved");
    if (!slot) { return; }
    slot.hidden = false;
    slot.replaceChildren();
    slot.appendChild(document.createTextNode("Non enregistré : « " + label(status) + " »"));
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "button button--secondary att-retry";
    retry.textContent = "Réessayer";
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " : " + (row.querySelector("th") ? row.querySelector("th").textContent : "");
    retry.appendChild(hidden);
    retry.addEventListener("click", function () { send(row, status); });
    slot.appendChild(document.createElement("br"));
    slot.appendChild(retry);
    refreshNotice();
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = rowOf(event.detail.elt);
    if (!row) { return; }
    var submitter = event.detail.requestConfig && event.detail.requestConfig.parameters;
    var status = submitter && (submitter.get ? submitter.get("status") : submitter.status);
    if (status) { pending[row.id] = status; }
    row.classList.add("att-row--pending");
    var slot = row.querySelector(".att-unsaved");
    if (slot) { slot.hidden = false; slot.textContent = "Envoi…"; }
  });
  ["htmx:sendError", "htmx:timeout", "htmx:responseError"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var row = rowOf(event.detail.elt);
      if (row) { unsaved(row); }
    });
  });
  // afterSettle, not afterSwap: until htmx settles, the new row still wears the old row's classes.
  document.addEventListener("htmx:afterSettle", function (event) {
    var row = event.detail.target && document.getElementById(event.detail.target.id);
    if (row && row.classList.contains("att-row")) { delete pending[row.id]; }
    refreshNotice();
  });
  window.addEventListener("online", function () {
    document.querySelectorAll("tr.att-row--unsaved").forEach(function (row) { send(row, pending[row.id]); });
  });
})();
