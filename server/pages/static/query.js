// Progressive enhancement of the query page: the page works without this file (a plain form).
// - The textarea becomes a CodeMirror 6 editor (vendor/codemirror): SPARQL highlighting, and
//   completion (Ctrl+Space, or while typing) of SPARQL keywords, of the predefined prefixes
//   (after PREFIX, the whole declaration), and of the dataset's classes and properties as
//   CURIEs with their labels in the page's language (#query-completions, written by the server).
//   The textarea stays in the form, hidden and kept in step, so submitting is unchanged.
// - Choosing an example puts its text in the editor without leaving the page.
// - Ctrl+Enter (or Cmd+Enter) runs the query. Tab leaves the editor (keyboard users are not
//   trapped); indentation is typed with spaces.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query-text");
  if (!form || !textarea) { return; }
  var view = null;

  function submit() {
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    return true;
  }

  function setText(text) {
    textarea.value = text;
    if (view) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text },
                      selection: { anchor: 0 } });
      view.focus();
      view.scrollDOM.scrollTop = 0;
    } else {
      textarea.focus();
      textarea.setSelectionRange(0, 0);
      textarea.scrollTop = 0;
    }
  }

  function completionSource(data) {
    var prefixes = Object.keys(data.prefixes || {}).sort();
    var prefixOptions = prefixes.map(function (name) {
      return { label: name + ":", detail: data.prefixes[name], type: "namespace" };
    });
    var declarations = prefixes.map(function (name) {
      return { label: name + ":", apply: name + ": <" + data.prefixes[name] + ">",
               detail: data.prefixes[name], type: "namespace" };
    });
    var keywords = (data.keywords || []).map(function (k) {
      return { label: k, type: "keyword" };
    });
    var terms = (data.terms || []).map(function (t) {
      return { label: t.curie, detail: t.label, type: t.kind === "class" ? "class" : "property",
               boost: t.curie.indexOf("ictkg:") === 0 ? 1 : 0 };
    });
    return function (context) {
      var word = context.matchBefore(/[\w:-]+/);
      if (!word && !context.explicit) { return null; }
      var from = word ? word.from : context.pos;
      var text = word ? word.text : "";
      var line = context.state.doc.lineAt(from);
      var before = line.text.slice(0, from - line.from);
      if (/\bPREFIX\s+$/i.test(before)) {
        return { from: from, options: declarations, validFor: /^[\w-]*:?$/ };
      }
      if (text.indexOf(":") >= 0) {
        var prefix = text.slice(0, text.indexOf(":") + 1);
        return { from: from, validFor: /^[\w:-]*$/, options: terms.filter(function (t) {
          return t.label.indexOf(prefix) === 0;
        }) };
      }
      return { from: from, validFor: /^[\w-]*$/,
               options: keywords.concat(prefixOptions, terms) };
    };
  }

  var CM = window.ICTKGCodeMirror;
  var dataNode = document.getElementById("query-completions");
  if (CM && dataNode) {
    var data = JSON.parse(dataNode.textContent);
    var labelNode = document.getElementById("query-label");
    view = new CM.EditorView({
      doc: textarea.value,
      extensions: [
        CM.lineNumbers(),
        // Long lines wrap: no sideways scrolling region on a phone (keyboard users reach all).
        CM.EditorView.lineWrapping,
        CM.history(),
        CM.drawSelection(),
        CM.highlightActiveLine(),
        CM.bracketMatching(),
        CM.closeBrackets(),
        CM.StreamLanguage.define(CM.sparql),
        CM.syntaxHighlighting(CM.defaultHighlightStyle),
        CM.autocompletion({ override: [completionSource(data)] }),
        CM.keymap.of([{ key: "Mod-Enter", run: submit }]
          .concat(CM.closeBracketsKeymap, CM.defaultKeymap, CM.historyKeymap,
                  CM.completionKeymap)),
        CM.EditorView.updateListener.of(function (update) {
          if (update.docChanged) { textarea.value = update.state.doc.toString(); }
        }),
        // The root's class through the editor (a class set by hand is dropped on update).
        CM.EditorView.editorAttributes.of({ "class": "query-editor" }),
        CM.EditorView.contentAttributes.of({
          "aria-labelledby": labelNode ? labelNode.id : "",
          "aria-multiline": "true",
          spellcheck: "false",
          autocapitalize: "off",
          id: "query-editor"
        })
      ]
    });
    textarea.hidden = true;
    textarea.parentNode.insertBefore(view.dom, textarea.nextSibling);
    if (labelNode) {
      labelNode.addEventListener("click", function () { view.focus(); });
    }
    var hint = document.getElementById("completion-hint");
    if (hint) { hint.hidden = false; }
  } else {
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        submit();
      }
    });
  }

  document.querySelectorAll("#examples a[data-slug]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var template = document.getElementById("example-" + link.dataset.slug);
      if (!template) { return; }
      event.preventDefault();
      setText(template.content ? template.content.textContent : template.textContent);
    });
  });
})();
