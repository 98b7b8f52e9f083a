// Live transcription progress on the recording page: polls the JSON status route and reloads
// the page once the transcription has finished. Without JavaScript, reloading by hand works.
(function () {
  "use strict";

  var block = document.getElementById("recording-state");
  if (!block || block.getAttribute("data-finished") === "true") { return; }
  var url = block.getAttribute("data-status-url");
  var bar = document.getElementById("recording-progress");
  var note = document.getElementById("recording-note");
  var status = document.getElementById("recording-status");

  function tick() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (state) {
        if (status) { status.textContent = state.status; }
        if (bar) { bar.value = state.progress; bar.textContent = state.progress + " %"; }
        if (note && state.note) { note.textContent = state.note; }
        if (state.finished) { window.location.reload(); } else { window.setTimeout(tick, 1000); }
      })
      .catch(function () {
        if (note) { note.textContent = "Lost contact with the server; reload the page to see the state."; }
      });
  }
  tick();
})();
