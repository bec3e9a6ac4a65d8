// Small behaviours without inline script (the Content-Security-Policy allows scripts from our own files only).
// A <select data-autosubmit> submits its form when changed; its form keeps a submit button for keyboard
// and no-script users.
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
    target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
  }
});
