// The print button: a page can offer it only where scripts run (the CSP forbids inline
// handlers, so this file binds it).
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  if (event.target.closest("button.print")) {
    window.print();
  }
});
