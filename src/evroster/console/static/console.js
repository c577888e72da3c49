// Errors that reach an htmx request appear as words, never as JSON or a blank.
document.addEventListener("htmx:responseError", function (event) {
  var xhr = event.detail.xhr;
  var text = "The request failed (" + xhr.status + ").";
  try {
    var problem = JSON.parse(xhr.responseText);
    if (problem && problem.detail) { text = problem.detail; }
  } catch (ignored) {
    var found = /<p class="refusal">([^<]*)<\/p>/.exec(xhr.responseText);
    if (found) { text = found[1]; }
  }
  var target = document.getElementById("request-error");
  if (target) { target.textContent = text; target.hidden = false; }
});
document.addEventListener("htmx:beforeRequest", function () {
  var target = document.getElementById("request-error");
  if (target) { target.hidden = true; }
});
document.addEventListener("htmx:sendError", function () {
  var target = document.getElementById("request-error");
  if (target) { target.textContent = "The server could not be reached."; target.hidden = false; }
});
