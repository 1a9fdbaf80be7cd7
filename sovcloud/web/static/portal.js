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
  // Confirm destructive forms (data-confirm), with or without HTMX.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // A secret shown once: select it on focus so it is easy to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-select-on-focus")) {
      event.target.select();
    }
  });
})();
