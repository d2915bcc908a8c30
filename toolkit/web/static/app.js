// policykit pages: the few behaviours that need a script (no inline scripts: CSP 'self').
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest("button[data-copy]");
  if (!btn) return;
  var text = document.getElementById(btn.dataset.copy).textContent.trim();
  var done = function () {
    var note = btn.parentElement.querySelector(".copied");
    if (note) { note.hidden = false; setTimeout(function () { note.hidden = true; }, 2000); }
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done);
  } else {  // plain http on an office network: the old way still works
    var area = document.createElement("textarea");
    area.value = text; document.body.appendChild(area); area.select();
    document.execCommand("copy"); area.remove(); done();
  }
});

// Decide forms: a typed row (记分 / 修复 / 所在机构被处理) shows only its type's fields. Without
// the script every type's fields are shown and only the chosen type's are read.
document.addEventListener("change", function (ev) {
  var sel = ev.target.closest("select[data-variant]");
  if (!sel) return;
  document.querySelectorAll(".variant").forEach(function (box) {
    if (box.dataset.of === sel.dataset.variant) box.hidden = box.dataset.tag !== sel.value;
  });
});
