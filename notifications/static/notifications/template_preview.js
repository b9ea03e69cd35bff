// The message template form: "Preview changes" shows the live preview and hides the saved one.
// A static file, not inline, so the admin's Content-Security-Policy needs no 'unsafe-inline'.
(function () {
  var button = document.querySelector('button[name="_preview"]');
  var frame = document.querySelector('iframe[name="template-preview"]');
  var saved = document.getElementById('saved-preview');
  if (!button || !frame || !saved) {
    return;
  }
  button.addEventListener('click', function () {
    frame.hidden = false;
    saved.hidden = true;
  });
})();
