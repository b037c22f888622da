// Portail Familles: small progressive enhancements (the site works without this file).
(function () {
  "use strict";
  function say(text, isError) {
    var region = document.getElementById("status");
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
  // An out-of-band answer about a block (an agenda slot) must not swap away the control that has focus (the box
  // just pressed): the block is updated around it and the control takes its new state in place, so focus, the
  // screen reader's position and a queued second press stay on the same node. When the answer no longer has
  // that control (the slot locked meanwhile), htmx replaces the block as usual.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var incoming = event.detail.fragment && event.detail.fragment.firstElementChild;
    var kept = document.activeElement;
    if (!target || !incoming || !kept || !kept.id || kept.parentNode !== target || incoming.id !== target.id) { return; }
    var twin = incoming.querySelector("#" + CSS.escape(kept.id));
    if (!twin || twin.parentNode !== incoming || twin.tagName !== kept.tagName || twin.type !== kept.type) { return; }
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
  });
  window.portail = { say: say };
})();
