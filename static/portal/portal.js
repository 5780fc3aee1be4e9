// Small behaviours without inline scripts (the content security policy forbids them).
document.addEventListener("change", (event) => {
  if (event.target.matches(".js-autosubmit")) event.target.form.requestSubmit();
});
// A "select all" box ticks every box of its form named in data-select-all.
document.addEventListener("change", (event) => {
  const name = event.target.dataset.selectAll;
  if (!name) return;
  event.target.form.querySelectorAll(`input[name="${name}"]`).forEach((box) => {
    box.checked = event.target.checked;
  });
});
