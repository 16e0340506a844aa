// The /docs page's Swagger UI, started from this file rather than an inline script: the
// pages' Content-Security-Policy allows our own scripts only.
/* global SwaggerUIBundle */

SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
