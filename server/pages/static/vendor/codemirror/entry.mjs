// The parts of CodeMirror 6 the query page uses, bundled into one file: window.ICTKGCodeMirror.
// Built with: esbuild entry.mjs --bundle --minify --format=iife --global-name=ICTKGCodeMirror
export { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from "@codemirror/view";
export { EditorState } from "@codemirror/state";
export { history, historyKeymap, defaultKeymap, indentWithTab } from "@codemirror/commands";
export { StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching } from "@codemirror/language";
export { sparql } from "@codemirror/legacy-modes/mode/sparql";
export { autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
