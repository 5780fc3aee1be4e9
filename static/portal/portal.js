// Small behaviours without inline scripts (the content security policy forbids them).
document.addEventListener("change", (event) => {
  if (event.target.matches(".js-autosubmit")) event.target.form.requestSubmit();
});
