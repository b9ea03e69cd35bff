// The loyalty page's copy buttons. Loaded as a file (the customer pages' CSP runs no inline
// script); without JavaScript the buttons stay hidden and the read-only fields can be copied by hand.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-status"));
    if (!field || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () {
          if (status) {
            status.textContent = button.getAttribute("data-done");
          }
        },
        function () {
          field.select();
        }
      );
    });
  });
})();
