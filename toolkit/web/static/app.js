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
