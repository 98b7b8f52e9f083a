// Upload progress on a session page: sends the upload form with XMLHttpRequest so the page can
// show how much of the file has gone up (a long recording is hundreds of megabytes). Without
// JavaScript the plain form posts exactly the same fields, and the server answers the same way.
(function () {
  "use strict";

  function megabytes(bytes) { return (bytes / (1024 * 1024)).toFixed(1); }

  function init() {
    var form = document.querySelector("form[data-upload-progress]");
    if (!form || !window.XMLHttpRequest || !window.FormData || !window.DOMParser) { return; }
    var block = document.getElementById("upload-progress");
    var bar = document.getElementById("upload-progress-bar");
    var text = document.getElementById("upload-progress-text");
    if (!block || !bar || !text) { return; }

    form.addEventListener("submit", function (event) {
      var input = form.querySelector('input[type="file"]');
      // No file chosen: let the plain post happen, the server says what is missing.
      if (!input || !input.files || !input.files.length) { return; }
      event.preventDefault();
      var button = form.querySelector('[type="submit"]');
      var target = form.action || window.location.href;
      if (button) { button.disabled = true; }
      block.hidden = false;
      bar.value = 0;
      bar.textContent = "0 %";
      text.textContent = "Uploading…";

      function failed(message) {
        text.textContent = message;
        if (button) { button.disabled = false; }
      }

      var xhr = new XMLHttpRequest();
      xhr.open("POST", target);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var percent = Math.min(100, Math.floor(e.loaded * 100 / e.total));
        bar.value = percent;
        bar.textContent = percent + " %";
        text.textContent = "Uploaded " + percent + " % (" + megabytes(e.loaded) + " of " +
          megabytes(e.total) + " MB)";
      });
      xhr.upload.addEventListener("load", function () {
        bar.value = 100;
        bar.textContent = "100 %";
        text.textContent = "Uploaded. Checking the audio (the whole file is decoded once)…";
      });
      xhr.addEventListener("load", function () {
        // Stored: the server redirected to the recording's page, which XHR followed.
        if (xhr.status === 200 && xhr.responseURL && xhr.responseURL !== target) {
          window.location.assign(xhr.responseURL);
          return;
        }
        // Refused: show the page the server answered, with the errors next to the file field.
        var page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
        var main = page.getElementById("main");
        var current = document.getElementById("main");
        if (main && current) {
          current.replaceWith(document.importNode(main, true));
          if (page.title) { document.title = page.title; }
          init();
          var error = document.querySelector("#main [role=alert], #main .error");
          if (error && error.scrollIntoView) { error.scrollIntoView({ block: "center" }); }
          return;
        }
        failed("The upload was refused (HTTP " + xhr.status + "). Reload the page and try again.");
      });
      xhr.addEventListener("error", function () {
        failed("The connection was lost during the upload; nothing was stored. Try again.");
      });
      xhr.addEventListener("abort", function () {
        failed("The upload was cancelled; nothing was stored.");
      });
      xhr.send(new FormData(form));
    });
  }

  init();
})();
