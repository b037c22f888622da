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
  window.portail = { say: say };
})();
