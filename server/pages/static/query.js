// Progressive enhancement of the query page: the page works without this file.
// - Choosing an example puts its text in the editor without leaving the page.
// - Ctrl+Enter (or Cmd+Enter) in the editor runs the query.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var editor = document.getElementById("query-text");
  if (!form || !editor) { return; }
  document.querySelectorAll("#examples a[data-slug]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var template = document.getElementById("example-" + link.dataset.slug);
      if (!template) { return; }
      event.preventDefault();
      editor.value = template.content ? template.content.textContent : template.textContent;
      editor.focus();
      editor.setSelectionRange(0, 0);
      editor.scrollTop = 0;
    });
  });
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });
})();
