// Portail Familles: small progressive enhancements (the site works without this file).
(function () {
  "use strict";
  // With htmx, every box of the agenda commits at once: the no-JS form's "Enregistrer" button is hidden (site.css,
  // `.js .save-bar`) and the words saying so are shown (`.js-only`). Without htmx loaded, nothing changes.
  if (window.htmx) { document.documentElement.classList.add("js"); }
  // On a narrow screen, a long main menu folds behind its "Menu" button (a disclosure: aria-expanded, focus stays on
  // the button). Without this file the button stays hidden and the menu open.
  var toggle = document.querySelector(".nav-toggle");
  var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (toggle && menu && window.matchMedia && menu.querySelectorAll("a").length > 5) {
    var narrow = window.matchMedia("(max-width: 40rem)");
    var fold = function () {
      toggle.hidden = !narrow.matches;
      menu.hidden = narrow.matches && toggle.getAttribute("aria-expanded") !== "true";
    };
    toggle.addEventListener("click", function () {
      toggle.setAttribute("aria-expanded", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
      fold();
    });
    if (narrow.addEventListener) { narrow.addEventListener("change", fold); }
    fold();
  }
  // A message in words: an error goes to the alert region (role=alert) and empties the status region, so that no
  // earlier "réservé" stays next to it; anything else goes to the status region. Both are updated, never replaced.
  function say(text, isError) {
    var region = document.getElementById(isError ? "alert" : "status");
    var status = document.getElementById("status");
    if (isError && status) { status.replaceChildren(); }
    if (!region) { return; }
    var p = document.createElement("p");
    p.className = isError ? "flash flash--error" : "flash";
    p.textContent = text;
    region.replaceChildren(p);
  }
  document.addEventListener("htmx:sendError", function () {
    say("La connexion a échoué : votre modification n'a pas été enregistrée. Vérifiez votre connexion internet puis réessayez.", true);
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    say(status === 400 || status === 403
      ? "Votre session a expiré : rechargez la page pour continuer. Rien n'a été modifié."
      : "Une erreur est survenue : votre modification n'a pas été enregistrée. Réessayez.", true);
  });
  // A box whose change saved nothing must not stay as the user left it. Its `checked` attribute is the state the
  // server last sent (the page, then every answer about its slot), so the box goes back to it when the request
  // failed (network, 4xx/5xx: the handlers above say why) or when the answer neither sends the slot back nor
  // confirms a change (an alert alone: expired session, invalid request). Focus stays on the box.
  document.addEventListener("htmx:afterRequest", function (event) {
    var box = event.detail.elt;
    if (!box || box.type !== "checkbox" || box.checked === box.defaultChecked) { return; }
    if (event.detail.successful) {
      var slot = box.closest("[id^='slot-']");
      var xhr = event.detail.xhr;
      var answer = new DOMParser().parseFromString(xhr ? xhr.responseText : "", "text/html");
      var confirmed = answer.getElementById("status");
      if ((slot && answer.getElementById(slot.id)) || (confirmed && confirmed.textContent.trim())) { return; }
      var alert = document.getElementById("alert");
      if (alert && alert.textContent.trim()) {
        var status = document.getElementById("status");
        if (status) { status.replaceChildren(); }
      } else {
        say("Votre modification n'a pas été enregistrée : rechargez la page puis réessayez.", true);
      }
    }
    box.checked = box.defaultChecked;
  });
  // An out-of-band answer about a block (an agenda slot) must not swap away the control that has focus (the box
  // just pressed): the block is updated around it and the control takes its new state in place, so focus, the
  // screen reader's position and a queued second press stay on the same node. When the answer no longer has
  // that control (the slot locked meanwhile), htmx replaces the block as usual.
  // When the control itself goes (a box that became a "Quitter la liste d'attente" button, a question answered), focus
  // moves to the new block's question, control or state (focusIn), never to the top of the page.
  var refocus = null;
  function focusIn(block) {
    var target = block.querySelector(".slot-question") ||
      block.querySelector("input[type=checkbox], button.slot-leave");
    if (!target) {
      target = block.querySelector(".slot-state");
      if (target) { target.setAttribute("tabindex", "-1"); }
    }
    if (target) { target.focus(); }
  }
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var incoming = event.detail.fragment && event.detail.fragment.firstElementChild;
    var kept = document.activeElement;
    if (!target || !incoming) { return; }
    refocus = kept && kept !== document.body && target.contains(kept) ? target.id : null;
    if (!kept || !kept.id || kept.parentNode !== target || incoming.id !== target.id) { return; }
    var twin = incoming.querySelector("#" + CSS.escape(kept.id));
    if (!twin || twin.parentNode !== incoming || twin.tagName !== kept.tagName || twin.type !== kept.type) { return; }
    refocus = null;
    function copyAttributes(from, to) {
      Array.prototype.slice.call(to.attributes).forEach(function (a) {
        if (!from.hasAttribute(a.name)) { to.removeAttribute(a.name); }
      });
      Array.prototype.slice.call(from.attributes).forEach(function (a) { to.setAttribute(a.name, a.value); });
    }
    copyAttributes(incoming, target);
    copyAttributes(twin, kept);
    if (kept.type === "checkbox" || kept.type === "radio") { kept.checked = twin.defaultChecked; }
    while (kept.previousSibling) { target.removeChild(kept.previousSibling); }
    while (kept.nextSibling) { target.removeChild(kept.nextSibling); }
    while (incoming.firstChild !== twin) { target.insertBefore(incoming.firstChild, kept); }
    while (twin.nextSibling) { target.appendChild(twin.nextSibling); }
    event.detail.shouldSwap = false;
    window.htmx.process(target);  // the question's buttons are new: htmx wires them
    var question = target.querySelector(".slot-question");
    if (question) { question.focus(); }
  });
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (!refocus || event.target.id !== refocus) { return; }
    refocus = null;
    focusIn(event.target);
  });
  // The question asked before giving up a place (a slot's `.slot-confirm`): "Non" or Escape keeps the place without
  // asking the server (nothing was changed), says so and gives focus back to the slot's control.
  function answerNo(block) {
    var confirm = block && block.querySelector(".slot-confirm");
    if (!confirm) { return; }
    var no = confirm.querySelector("[data-confirm-no]");
    var kept = no ? no.getAttribute("data-kept") : "";
    confirm.remove();
    focusIn(block);
    if (kept) { say(kept, false); }
  }
  document.addEventListener("click", function (event) {
    var no = event.target.closest && event.target.closest("[data-confirm-no]");
    if (no) { event.preventDefault(); answerNo(no.closest("[id^='slot-']")); }
  });
  document.addEventListener("keydown", function (event) {
    var active = document.activeElement;
    var confirm = event.key === "Escape" && active && active.closest && active.closest(".slot-confirm");
    if (confirm) { event.preventDefault(); answerNo(confirm.closest("[id^='slot-']")); }
  });
  // Calendar subscription: a "Copier le lien" button after each read-only link field that carries its words
  // (data-copy-label, data-copy-done, data-copy-failed), added only where the Clipboard API exists. Without it the
  // field stays selectable and the page says how to copy. The result is said in the live regions and shown next to
  // the button; focus stays on it.
  function addCopyButtons() {
    if (!window.isSecureContext || !navigator.clipboard || !navigator.clipboard.writeText) { return; }
    document.querySelectorAll("input[readonly][data-copy-label]").forEach(function (field) {
      if (field.nextElementSibling && field.nextElementSibling.classList.contains("copy-button")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--secondary copy-button";
      button.textContent = field.dataset.copyLabel;
      var seen = document.createElement("span");  // the same words next to the button, where the finger is
      seen.className = "copy-feedback";
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          var alert = document.getElementById("alert");
          if (alert) { alert.replaceChildren(); }
          seen.className = "copy-feedback";
          seen.textContent = field.dataset.copyDone;
          say(field.dataset.copyDone, false);
        }, function () {
          field.select();
          seen.className = "copy-feedback copy-feedback--error";
          seen.textContent = field.dataset.copyFailed;
          say(field.dataset.copyFailed, true);
        });
      });
      field.insertAdjacentElement("afterend", button);
      button.insertAdjacentElement("afterend", seen);
      field.addEventListener("focus", function () { field.select(); });
    });
  }
  addCopyButtons();
  // Back office: "Imprimer" buttons (hidden without JavaScript, where the browser's own print command does the same).
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  window.portail = { say: say };
})();
