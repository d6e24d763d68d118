// The web mergetool: each button posts one choice to the server that served the page, which
// keeps the notebook; the page reloads to show what is left. No path ever leaves the page.
"use strict";
const status = document.getElementById("status");

function say(text, error) {
  status.textContent = text;
  status.className = error ? "error" : "";
}

async function post(path, body) {
  let response;
  try {
    response = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                                  body: JSON.stringify(body || {}), credentials: "same-origin"});
  } catch (err) {
    say("the nbmerge server is not answering (stopped?)", true);
    return null;
  }
  const answer = await response.json().catch(() => ({error: "unreadable answer"}));
  if (!response.ok) {
    say(answer.error || ("refused: " + response.status), true);
    return null;
  }
  return answer;
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const section = button.closest("section.conflict");
  let answer = null;
  if (section && (button.dataset.take || button.dataset.text)) {
    const choice = {conflict: section.dataset.conflict,
                    hunk: section.dataset.hunk === "" ? null : Number(section.dataset.hunk)};
    if (button.dataset.take) choice.take = button.dataset.take;
    else choice.text = section.querySelector("textarea").value;
    answer = await post("/decide", choice);
  } else if (button.id === "undo") {
    answer = await post("/undo");
  } else if (button.id === "save") {
    answer = await post("/save");
    if (answer) {
      document.querySelector("main").replaceChildren();
      const done = document.createElement("p");
      done.className = "finished";
      done.textContent = answer.message;
      document.querySelector("main").append(done);
      document.querySelectorAll("#bar button").forEach((b) => { b.disabled = true; });
      say("saved");
    }
    return;
  } else {
    return;
  }
  if (answer) location.reload();
});
