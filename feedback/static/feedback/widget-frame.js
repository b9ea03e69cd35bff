// Runs inside the review widget's frame (feedback/widget.html): tells the page that embeds it how
// tall the content is, so static/feedback/embed.js can size the iframe without a scroll bar.
// Only a number leaves the frame, so any parent may hear it.
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var last = 0;
  function report() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "postpurchase-reviews:height", height: height }, "*");
    }
  }
  if (window.ResizeObserver) {
    new ResizeObserver(report).observe(document.body);
  }
  window.addEventListener("load", report);
  report();
})();
