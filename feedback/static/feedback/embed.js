// The storefront embed of the review widget. On the merchant's page:
//
//   <div data-postpurchase-reviews="<store-slug>" data-sku="<product sku>"></div>
//   <script src="https://<this app>/static/feedback/embed.js" async></script>
//
// Each such element gets an iframe of /feedback/widget/<store>/ (the product's reviews with its
// aggregate, or the store's feed without data-sku), titled for screen readers, in the language of
// the page (<html lang>, or data-lang), resized to its content. The frame is served only to the
// store's own domains (Store.domains), in the store's colours. With a data-sku, the product's
// schema.org markup is added to the page for search engines (data-json-ld="off" to leave it out).
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src, document.baseURI).origin : "";
  var frames = [];

  function mount(container) {
    if (container.getAttribute("data-postpurchase-mounted")) {
      return;
    }
    container.setAttribute("data-postpurchase-mounted", "1");
    var store = container.getAttribute("data-postpurchase-reviews");
    var params = new URLSearchParams();
    var sku = container.getAttribute("data-sku");
    var lang = container.getAttribute("data-lang") || document.documentElement.lang || "";
    if (sku) {
      params.set("sku", sku);
    }
    if (lang) {
      params.set("lang", lang.slice(0, 2));
    }
    var frame = document.createElement("iframe");
    frame.src = base + "/feedback/widget/" + encodeURIComponent(store) + "/?" + params.toString();
    frame.title = container.getAttribute("data-title") || "Customer reviews";
    frame.loading = "lazy";
    frame.width = "100%";
    frame.height = "480";
    frame.setAttribute("frameborder", "0");
    frame.className = "postpurchase-reviews-frame";
    container.appendChild(frame);
    frames.push(frame);
    if (sku && container.getAttribute("data-json-ld") !== "off") {
      addMarkup(store, sku);
    }
  }

  // Search engines read schema.org markup from the storefront's own page, not from our frame:
  // the API's json_ld (AggregateRating and the latest reviews) goes into the page's head. The API
  // answers CORS only for the store's domains; anywhere else this quietly adds nothing.
  function addMarkup(store, sku) {
    var url = base + "/feedback/api/" + encodeURIComponent(store) + "/products/" + encodeURIComponent(sku) + "/reviews";
    fetch(url, { credentials: "omit" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (!body || !body.json_ld || !body.json_ld.aggregateRating) {
          return;
        }
        var markup = document.createElement("script");
        markup.type = "application/ld+json";
        markup.setAttribute("data-postpurchase-reviews", store);
        markup.textContent = JSON.stringify(body.json_ld).replace(/</g, "\\u003c");
        document.head.appendChild(markup);
      })
      .catch(function () {});
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== base || !event.data || event.data.type !== "postpurchase-reviews:height") {
      return;
    }
    var height = Number(event.data.height);
    if (!isFinite(height) || height <= 0) {
      return;
    }
    frames.forEach(function (frame) {
      if (frame.contentWindow === event.source) {
        frame.height = String(Math.min(Math.ceil(height), 20000));
      }
    });
  });

  document.querySelectorAll("[data-postpurchase-reviews]").forEach(mount);
})();
