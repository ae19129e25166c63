// Suggestions while typing in the search box (an ARIA 1.2 combobox with a listbox popup).
// The box works without this file: it is a plain GET form to /search. With it, each pause in
// typing asks /search/suggest (JSON: names that begin with what is typed, in any script) and
// lists them under the box; arrow keys move through them, Enter opens one, Escape closes.
// The list is aria-busy from a keystroke until the answer for what was typed last is shown.
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  var form = input && input.form;
  if (!input || !form || !window.fetch) { return; }
  var list = document.createElement("ul");
  list.id = "site-search-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", input.getAttribute("data-suggestions-label") || "");
  list.hidden = true;
  form.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("autocomplete", "off");
  var langField = form.querySelector("input[name=lang]");
  var timer = null;
  var asked = 0;
  var active = -1;

  function close() {
    list.setAttribute("aria-busy", "false");
    list.hidden = true;
    list.textContent = "";
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function show(suggestions) {
    list.setAttribute("aria-busy", "false");
    list.textContent = "";
    active = -1;
    suggestions.forEach(function (s, i) {
      var item = document.createElement("li");
      item.id = "site-search-suggestion-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      var link = document.createElement("a");
      link.href = s.href || s.iri;
      link.tabIndex = -1;
      link.textContent = s.label;
      item.appendChild(link);
      if (s.kinds && s.kinds.length) {
        var kinds = document.createElement("span");
        kinds.className = "muted";
        kinds.textContent = " " + s.kinds.join(", ");
        item.appendChild(kinds);
      }
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();
        window.location.href = link.href;
      });
      list.appendChild(item);
    });
    list.hidden = suggestions.length === 0;
    input.setAttribute("aria-expanded", suggestions.length ? "true" : "false");
  }

  function ask() {
    var text = input.value.trim();
    if (!text) { close(); return; }
    var number = ++asked;
    var url = form.getAttribute("action") + "/suggest?q=" + encodeURIComponent(text);
    if (langField) { url += "&lang=" + encodeURIComponent(langField.value); }
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (answer) { if (number === asked) { show(answer.suggestions || []); } })
      .catch(function () { close(); });
  }

  function move(step) {
    var items = list.querySelectorAll("[role=option]");
    if (!items.length) { return; }
    if (active >= 0) { items[active].setAttribute("aria-selected", "false"); }
    active = (active + step + items.length) % items.length;
    items[active].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  input.addEventListener("input", function () {
    list.setAttribute("aria-busy", "true");
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
    else if (event.key === "Escape") { close(); }
    else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.href = list.querySelectorAll("[role=option] a")[active].href;
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
