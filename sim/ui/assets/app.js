// The simulated workspace page (sim/ui/workspace.ts serves it). The world's server
// renders every message to escaped HTML (sim/ui/blocks.ts); this script only places that
// HTML, writes names with textContent, and posts what the viewer does as JSON to
// /ui/api/*, where the world signs it as Slack would and forwards it to prode.

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let viewer = params.get("as") || localStorage.getItem("prode-ui-as") || "";
let current = {
  view: "channel",
  channel: params.get("channel") || "",
  thread: params.get("thread") || "",
};
let state;
let source;
/** Modals this page submitted or cancelled: the next state may still list them. */
const dismissed = new Set();

async function api(name, body) {
  const response = await fetch(`api/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ as: viewer, ...body }),
  });
  const answer = await response.json().catch(() => ({}));
  if (answer.text) toast(answer.text);
  else if (answer.status && answer.status >= 400) toast(`prode answered HTTP ${answer.status}`);
  return answer;
}

function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    el.hidden = true;
  }, 6000);
}

function connect() {
  source?.close();
  source = new EventSource(`events?as=${encodeURIComponent(viewer)}`);
  source.addEventListener("state", (event) => {
    state = JSON.parse(event.data);
    render();
  });
}

function option(value, text) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  return o;
}

function messageElement(m) {
  const el = document.createElement("article");
  el.className = `message${m.isBot ? " bot" : ""}${m.ephemeral ? " ephemeral" : ""}`;
  el.dataset.ts = m.ts;
  el.dataset.channel = m.channel;
  const head = document.createElement("div");
  head.className = "message-head";
  const author = document.createElement("span");
  author.className = "author";
  author.textContent = m.author;
  head.append(author);
  if (m.isBot) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "APP";
    head.append(badge);
  }
  const time = document.createElement("span");
  time.className = "time";
  time.textContent = m.time;
  head.append(time);
  if (m.edited) {
    const edited = document.createElement("span");
    edited.className = "muted";
    edited.textContent = "(edited)";
    head.append(edited);
  }
  if (m.ephemeral) {
    const only = document.createElement("span");
    only.className = "muted";
    only.textContent = "Only visible to you";
    head.append(only);
  }
  const body = document.createElement("div");
  body.className = "message-body";
  body.innerHTML = m.html; // escaped by the world's renderer (sim/ui/mrkdwn.ts)
  el.append(head, body);
  if (m.replies > 0) {
    const link = document.createElement("button");
    link.type = "button";
    link.className = "replies";
    link.textContent = `${m.replies} ${m.replies === 1 ? "reply" : "replies"}`;
    link.addEventListener("click", () => openThread(m.ts));
    el.append(link);
  }
  return el;
}

function render() {
  if (!state) return;
  if (!current.channel) current.channel = state.incidentChannel;
  $("team").textContent = state.team;
  $("scenario").textContent =
    `scenario ${state.scenario} · ${state.ticket.identifier} ${state.ticket.title}`;
  const picker = $("viewer");
  if (picker.options.length !== state.users.length) {
    picker.replaceChildren(
      ...state.users.map((u) => option(u.id, u.title ? `${u.name} · ${u.title}` : u.name)),
    );
  }
  picker.value = state.viewer;
  viewer = state.viewer;
  $("viewer-title").textContent = state.users.find((u) => u.id === viewer)?.title ?? "";
  $("trigger").textContent = `Send ${state.ticket.identifier}'s Linear webhook`;

  const channels = $("channels");
  channels.replaceChildren(
    ...state.channels.map((c) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = `nav-item${current.view === "channel" && current.channel === c.id ? " active" : ""}`;
      b.textContent = `# ${c.name}`;
      b.addEventListener("click", () => {
        current = { view: "channel", channel: c.id, thread: "" };
        render();
      });
      li.append(b);
      return li;
    }),
  );
  $("home-tab").classList.toggle("active", current.view === "home");

  const channel = state.channels.find((c) => c.id === current.channel);
  const onHome = current.view === "home";
  $("channel-title").textContent = onHome
    ? "prode · Home"
    : `# ${channel?.name ?? current.channel}`;
  $("messages").hidden = onHome;
  $("command-form").hidden = onHome;
  $("home").hidden = !onHome;
  if (onHome) {
    $("home").innerHTML =
      state.home ?? '<p class="muted">prode has not published a Home for you yet.</p>';
  } else {
    const list = $("messages");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(
      ...state.messages
        .filter((m) => m.channel === current.channel && !m.threadTs)
        .map(messageElement),
    );
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  const thread = $("thread");
  thread.hidden = !current.thread;
  if (current.thread) {
    const msgs = state.messages.filter(
      (m) =>
        m.channel === current.channel && (m.ts === current.thread || m.threadTs === current.thread),
    );
    $("thread-messages").replaceChildren(
      ...msgs.map((m) => ({ ...m, replies: 0 })).map(messageElement),
    );
  }
  renderModal();
}

function renderModal() {
  const dialog = $("modal");
  if (!state.modal || dismissed.has(state.modal.id)) {
    if (dialog.open) dialog.close();
    return;
  }
  if (dialog.open && dialog.dataset.viewId === state.modal.id) return;
  dialog.dataset.viewId = state.modal.id;
  dialog.querySelector(".modal-title").innerHTML = state.modal.title;
  dialog.querySelector(".modal-body").innerHTML = state.modal.html;
  dialog.querySelector(".modal-submit").innerHTML = state.modal.submit;
  if (!dialog.open) dialog.showModal();
}

function openThread(ts) {
  current = { ...current, view: "channel", thread: ts };
  render();
  $("mention").focus();
}

/** Shows a button's confirmation dialog (rendered by the world, hidden beside it). */
function confirmed(button) {
  const spec = button.parentElement?.querySelector(".confirm");
  if (!spec) return Promise.resolve(true);
  const dialog = $("confirm");
  for (const part of ["confirm-title", "confirm-text", "confirm-yes", "confirm-no"]) {
    dialog.querySelector(`.${part}`).innerHTML = spec.querySelector(`.${part}`).innerHTML;
  }
  dialog.showModal();
  return new Promise((resolve) => {
    const done = (answer) => {
      dialog.close();
      resolve(answer);
    };
    dialog.querySelector(".confirm-yes").onclick = () => done(true);
    dialog.querySelector(".confirm-no").onclick = () => done(false);
  });
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest('button[data-kind="action"]');
  if (!button || button.closest("#modal")) return;
  const message = button.closest(".message");
  if (!message || !(await confirmed(button))) return;
  button.disabled = true;
  await api("action", {
    channel: message.dataset.channel,
    ts: message.dataset.ts,
    actionId: button.dataset.actionId,
    ...(button.dataset.value !== undefined ? { value: button.dataset.value } : {}),
  });
  button.disabled = false;
});

$("viewer").addEventListener("change", (event) => {
  viewer = event.target.value;
  localStorage.setItem("prode-ui-as", viewer);
  connect();
  if (current.view === "home") api("home", {});
});

$("home-tab").addEventListener("click", () => {
  current = { view: "home", channel: current.channel, thread: "" };
  render();
  api("home", {});
});

$("thread-close").addEventListener("click", () => {
  current = { ...current, thread: "" };
  render();
});

$("trigger").addEventListener("click", () => api("trigger", {}));

$("command-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("command");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  await api("command", { text, channel: current.channel });
});

$("mention-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("mention");
  const text = input.value.trim();
  if (!text || !current.thread) return;
  input.value = "";
  await api("mention", { text, threadTs: current.thread, channel: current.channel });
});

$("modal")
  .querySelector(".modal-submit")
  .addEventListener("click", async () => {
    const dialog = $("modal");
    const selected = {};
    for (const select of dialog.querySelectorAll("select[data-block-id]")) {
      if (!select.value) continue;
      selected[select.dataset.blockId] ??= {};
      selected[select.dataset.blockId][select.dataset.actionId] = select.value;
    }
    dismissed.add(dialog.dataset.viewId);
    dialog.close();
    await api("submit", { viewId: dialog.dataset.viewId, selected });
  });

$("modal")
  .querySelector(".modal-cancel")
  .addEventListener("click", async () => {
    const dialog = $("modal");
    dismissed.add(dialog.dataset.viewId);
    dialog.close();
    await api("close", { viewId: dialog.dataset.viewId });
  });

connect();
