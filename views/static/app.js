// Progressive enhancement only: every flow works without this file.
// Selecting a closing status reveals why a reason is needed.
document.addEventListener("DOMContentLoaded", function () {
  var st = document.getElementById("status");
  if (!st) return;
  var reason = document.querySelector("textarea[name=reason]");
  function update() {
    if (!reason) return;
    var v = st.value;
    reason.required = v === "not_implemented";
  }
  st.addEventListener("change", update);
  update();
});
