// Progress for uploads and background jobs. Without JavaScript the forms still post and the
// job page can be reloaded by hand; this only adds the live progress bar.
(function () {
  "use strict";

  function pollJob(block) {
    var bar = block.querySelector("progress");
    var label = block.querySelector("label");
    var url = block.getAttribute("data-status-url");
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.json();
        })
        .then(function (job) {
          bar.value = job.progress;
          bar.textContent = job.progress + " %";
          if (job.note) { label.textContent = job.note; }
          if (job.finished) { window.location.reload(); } else { window.setTimeout(tick, 500); }
        })
        .catch(function () {
          label.textContent = "Lost contact with the server; reload the page to see the result.";
        });
    }
    tick();
  }

  function uploadWithProgress(form) {
    var block = document.getElementById(form.getAttribute("data-progress"));
    var bar = block.querySelector("progress");
    var label = block.querySelector("label");
    var errorBox = block.querySelector(".error");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action || window.location.href);
      request.setRequestHeader("Accept", "application/json");
      block.hidden = false;
      errorBox.hidden = true;
      label.textContent = "Uploading…";
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); }
      });
      request.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(request.responseText); } catch (ignored) { body = null; }
        if (request.status === 202 && body) {
          label.textContent = "Uploaded; checking the rows…";
          window.location.assign(body.page_url);
          return;
        }
        var messages = [];
        if (body && body.errors) {
          Object.keys(body.errors).forEach(function (k) { messages = messages.concat(body.errors[k]); });
        }
        var fallback = request.status === 413 ? "The file is larger than this server accepts; split it and try again."
          : request.status === 400 ? "The form expired; reload the page and try again."
          : "The upload failed (" + request.status + "); try again.";
        errorBox.textContent = messages.length ? messages.join(" ") : fallback;
        errorBox.hidden = false;
        label.textContent = "Upload refused";
        bar.value = 0;
      });
      request.addEventListener("error", function () {
        errorBox.textContent = "The upload failed: the connection was lost. Try again.";
        errorBox.hidden = false;
      });
      request.send(new FormData(form));
    });
  }

  var job = document.getElementById("job-progress");
  if (job) { pollJob(job); }
  var form = document.getElementById("import-form");
  if (form) { uploadWithProgress(form); }
})();
