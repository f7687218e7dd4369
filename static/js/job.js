// Moves a job page's progress bar by polling the job's status; without JavaScript the page refreshes itself.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var labels = document.getElementById("job-labels").dataset;
  var bar = document.getElementById("job-progress");
  var status = document.getElementById("job-status");
  var message = document.getElementById("job-message");
  var delay = 800;
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (job) {
        bar.value = job.progress;
        bar.textContent = job.progress + "%";
        status.textContent = labels[job.status] || job.status;
        status.dataset.status = job.status;
        message.textContent = job.message || "";
        if (job.finished) {
          document.getElementById("job-cancel").hidden = true;
          if (job.status === "done" && job.has_file) document.getElementById("job-download").hidden = false;
          document.dispatchEvent(new CustomEvent("job:finished", { detail: job }));
          return;
        }
        delay = Math.min(delay * 1.3, 5000);
        setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 10000); setTimeout(poll, delay); });
  }
  if (status.dataset.status !== "done" && status.dataset.status !== "failed" && status.dataset.status !== "cancelled") {
    setTimeout(poll, delay);
  }
})();
