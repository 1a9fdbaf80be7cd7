// Start Swagger UI on the element that names the OpenAPI document (no inline script: strict CSP).
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    deepLinking: true,
    withCredentials: true,
    presets: [window.SwaggerUIBundle.presets.apis],
  });
})();
