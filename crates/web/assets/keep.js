// What was typed survives a change of language: before the language link leaves a page
// whose form was touched, its values are kept in this tab's session storage; the page in
// the new language puts them back and forgets them. Passwords, files, the hidden
// fields (the CSRF token, the submission key) and the identifying fields of a card
// (`data-personal`) are never kept: a child's name must not reach the browser's storage in
// clear, so when one was typed the switch asks first.
(function () {
  var KEY = "awladna-keep:" + location.pathname;
  var touched = false;

  function kept(field) {
    return field.name && field.name.charAt(0) !== "_" && !field.hasAttribute("data-personal") &&
      ["password", "file", "hidden", "submit", "button"].indexOf(field.type) < 0;
  }

  document.addEventListener("input", function () { touched = true; });
  document.addEventListener("change", function () { touched = true; });

  document.addEventListener("click", function (event) {
    var link = event.target.closest(".langs a");
    if (!link || !touched) { return; }
    var personal = Array.prototype.some.call(
      document.querySelectorAll("main form [data-personal]"),
      function (field) { return field.value !== ""; });
    if (personal && !window.confirm(link.closest(".langs").getAttribute("data-personal-warning"))) {
      event.preventDefault();
      return;
    }
    var values = [];
    document.querySelectorAll("main form").forEach(function (form, index) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!kept(field)) { return; }
        if ((field.type === "radio" || field.type === "checkbox") && !field.checked) { return; }
        if (field.tagName === "SELECT" && field.multiple) {
          Array.prototype.forEach.call(field.selectedOptions, function (o) {
            values.push([index, field.name, o.value]);
          });
          return;
        }
        values.push([index, field.name, field.value]);
      });
    });
    try { sessionStorage.setItem(KEY, JSON.stringify(values)); } catch (e) { /* private mode: nothing kept */ }
  });

  function restore() {
    var saved;
    try { saved = sessionStorage.getItem(KEY); sessionStorage.removeItem(KEY); } catch (e) { return; }
    if (!saved) { return; }
    // Values put back are still unsaved: another switch keeps them again.
    touched = true;
    var forms = document.querySelectorAll("main form");
    // Choices are cleared first: what was typed replaces what the page proposed.
    var named = {};
    JSON.parse(saved).forEach(function (entry) { named[entry[0] + "/" + entry[1]] = true; });
    forms.forEach(function (form, index) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (kept(field) && named[index + "/" + field.name] &&
            (field.type === "radio" || field.type === "checkbox")) {
          field.checked = false;
        }
      });
    });
    JSON.parse(saved).forEach(function (entry) {
      var form = forms[entry[0]];
      if (!form) { return; }
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!kept(field) || field.name !== entry[1]) { return; }
        if (field.type === "radio" || field.type === "checkbox") {
          if (field.value === entry[2]) { field.checked = true; }
        } else if (field.tagName === "SELECT") {
          Array.prototype.forEach.call(field.options, function (o) {
            if (o.value === entry[2]) { o.selected = true; }
          });
        } else {
          field.value = entry[2];
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restore);
  } else {
    restore();
  }
})();
