/* sovcloud portal behaviour: kept in a static file so the Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  // HTMX requests carry the CSRF token as a header (forms also carry it as a field).
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });
  // After a swap the page may carry a new token (e.g. after logging in again): keep the meta in step.
  document.addEventListener("htmx:afterSwap", function () {
    var fresh = document.querySelectorAll('input[name="csrf_token"]');
    if (fresh.length) {
      document.querySelector('meta[name="csrf-token"]').setAttribute("content", fresh[fresh.length - 1].value);
    }
  });
  // Destructive forms (data-confirm="the question, naming the object") are confirmed in the DSFR modal of
  // base.html, never with the browser's confirm(); data-confirm-label names the button ("Supprimer web-1").
  var pending = null;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.confirm) {
      return;
    }
    if (form.dataset.confirmed === "1") {
      form.dataset.confirmed = "";
      return;
    }
    var modal = document.getElementById("confirm-modal");
    if (!modal || !window.dsfr) {
      return;  // the design system's script did not load: the form goes as it would without script
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    pending = form;
    document.getElementById("confirm-modal-text").textContent = form.dataset.confirm;
    var ok = document.getElementById("confirm-modal-ok");
    ok.textContent = form.dataset.confirmLabel || ok.dataset.label || ok.textContent;
    window.dsfr(modal).modal.disclose();
  }, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("#confirm-modal-ok") || !pending) {
      return;
    }
    var form = pending;
    pending = null;
    window.dsfr(document.getElementById("confirm-modal")).modal.conceal();
    form.dataset.confirmed = "1";
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });
  // A secret shown once: select it on focus so it is easy to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-select-on-focus")) {
      event.target.select();
    }
  });
})();
