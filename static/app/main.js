// The reference client for the teen's app: pair once, then follow the check loop, show each
// reminder once as a card, and send what the teen answered. docs/client-guide.md walks
// through this code; api.js is the HTTP layer, loop.js the timing, store.js what is kept on
// the device, views.js the drawing.

import * as api from "./api.js";
import * as i18n from "./i18n.js";
import { t, tn } from "./i18n.js";
import { CheckLoop } from "./loop.js";
import { store } from "./store.js";
import * as view from "./views.js";

const THANKS = {
  dismissed: () => t("OK. Reminders come less often when you tap OK a few times in a row."),
  school_use: () => t("Got it: no reminders for a while."),
  report_wrong: () => t("Thanks. Your parents will see that this reminder was wrong."),
};

const loop = new CheckLoop(() => api.check(store.token), showOutcome);

// --- pairing -----------------------------------------------------------------------------

async function pair(event) {
  event.preventDefault();
  const code = document.getElementById("pair-code").value.trim();
  if (!code) return view.pairError(t("Type the code a parent gave you."));
  const outcome = await api.pair(code);
  if (outcome.kind === "ok") {
    store.paired(outcome.body.device_id, outcome.body.device_token);
    document.getElementById("pair-code").value = "";
    start();
  } else if (outcome.kind === "wait") {
    const seconds = Math.ceil(outcome.seconds);
    view.pairError(tn("Too many tries. Wait %(count)d second, then try again.", "Too many tries. Wait %(count)d seconds, then try again.", seconds));
  } else if (outcome.kind === "offline") {
    view.pairError(t("Can't reach the service. Check the connection and try again."));
  } else {
    view.pairError(outcome.problem.detail ?? t("That code did not work. Ask a parent for a new one."));
  }
}

function unpaired() {
  loop.stop();
  store.forget();
  location.hash = "";
  view.pairing(
    t("This device is no longer paired, so it gets no reminders. A parent may have unpaired it. Ask them for a new code to pair again."),
  );
}

// --- the loop's answers ------------------------------------------------------------------

function showOutcome(outcome, nextAt) {
  if (outcome.kind === "unpaired") return unpaired();
  if (outcome.kind !== "ok") {
    const state = outcome.kind === "wait" ? "busy" : "offline";
    view.connection(state, store.lastReachedAt, nextAt, store.me?.timezone);
    return;
  }
  const answer = outcome.body;
  store.reached();
  store.remember({ lastCheck: answer });
  view.connection("ok", store.lastReachedAt, nextAt, store.me?.timezone);
  view.now(answer.explanation);
  view.sign(store.me, answer);
  if (answer.nudge && !store.wasShown(answer.nudge.id)) {
    store.markShown(answer.nudge.id);
    view.card(answer.nudge, answer.explanation);
    sendAck(answer.nudge.id, "shown");
  }
  sendPendingAcks();
  // What is set changed since /v1/me was read (a new schedule, a pause): read it again.
  const me = store.me;
  const paused = answer.reason === "paused" && !me?.paused_until;
  if (paused || answer.schedule_version !== (me?.schedule?.version ?? null)) refreshMe();
}

// --- acks: sent once; kept and sent again later when the network fails ---------------------

async function sendAck(nudgeId, action, comment) {
  const outcome = await api.ack(store.token, nudgeId, action, comment);
  if (outcome.kind === "unpaired") unpaired();
  else if (outcome.kind === "offline" || outcome.kind === "wait") {
    store.queueAck({ nudgeId, action, comment });
  }
  // "ok", or a 404 for a reminder that is gone: either way there is nothing left to send.
}

function sendPendingAcks() {
  const pending = store.pendingAcks;
  if (pending.length === 0) return;
  store.clearAcks();
  for (const ack of pending) sendAck(ack.nudgeId, ack.action, ack.comment);
}

function answer(action, comment) {
  const card = document.getElementById("card");
  sendAck(card.dataset.nudge, action, comment);
  view.answered(THANKS[action]());
}

// --- what's set for me -------------------------------------------------------------------

let meRequest = null; // one /v1/me at a time: a second ask joins the one under way

function refreshMe() {
  meRequest ??= readMe().finally(() => {
    meRequest = null;
  });
  return meRequest;
}

async function readMe() {
  const outcome = await api.me(store.token);
  if (outcome.kind === "unpaired") return unpaired();
  if (outcome.kind !== "ok") {
    view.meError(t("Can't reach the service: this is what was set when it was last reached."));
    return;
  }
  view.meError(null);
  store.remember({ me: outcome.body });
  // Picked on another visit (or cleared): speak it from now on.
  if (i18n.choose(outcome.body.locale) !== i18n.language()) await speak(outcome.body.locale);
  view.sign(outcome.body, store.lastCheck);
  view.whatIsSet(outcome.body);
}

async function download() {
  const outcome = await api.downloadMyData(store.token);
  if (outcome.kind === "unpaired") unpaired();
  else if (outcome.kind !== "ok") view.meError(t("Can't reach the service to download your data. Try again later."));
}

// --- the app's language --------------------------------------------------------------------

// Speak the language picked on the device (`locale`, null for none: the browser's), and draw
// everything again in it; the next check's explanation comes in it too.
async function speak(locale) {
  await i18n.use(i18n.choose(locale));
  view.translatePage();
  view.sign(store.me, store.lastCheck);
  view.redrawConnection();
  if (store.me) view.whatIsSet(store.me);
}

// The teen picked a language in "What's set for me": the service keeps it on the device
// (`PATCH /v1/me {locale}`), so the device's checks use it too.
async function pickLanguage(event) {
  const outcome = await api.setLocale(store.token, event.target.value || null);
  if (outcome.kind === "unpaired") return unpaired();
  if (outcome.kind !== "ok") {
    view.languagePicked(store.me?.locale);
    view.meError(t("Can't reach the service to change the language. Try again later."));
    return;
  }
  view.meError(null);
  store.remember({ me: outcome.body });
  await speak(outcome.body.locale);
  loop.now();
}

function route() {
  if (!store.token) return;
  if (location.hash === "#me") {
    view.showView("me");
    if (store.me) view.whatIsSet(store.me);
    refreshMe();
  } else {
    view.showView("home");
  }
}

// --- start -------------------------------------------------------------------------------

function start() {
  view.sign(store.me, store.lastCheck);
  view.connection("ok", store.lastReachedAt, null, store.me?.timezone);
  if (store.lastCheck) view.now(store.lastCheck.explanation);
  route();
  loop.start();
  if (!store.me) refreshMe();
}

function wire() {
  document.getElementById("pair-form").addEventListener("submit", pair);
  document.getElementById("download").addEventListener("click", download);
  document.getElementById("language").addEventListener("change", pickLanguage);
  document.getElementById("report-cancel").addEventListener("click", () => view.reportForm(false));
  document.getElementById("report-form").addEventListener("submit", (event) => {
    event.preventDefault();
    answer("report_wrong", document.getElementById("report-comment").value.trim());
  });
  for (const button of document.querySelectorAll("#card-answers button")) {
    const action = button.dataset.action;
    button.addEventListener("click", () =>
      action === "report_wrong" ? view.reportForm(true) : answer(action),
    );
  }
  window.addEventListener("hashchange", route);
}

// The page's words first (the language picked on this device, else the browser's), then the rest.
await i18n.use(i18n.choose(store.me?.locale));
view.translatePage();
document.documentElement.classList.remove("loading");
wire();
if (store.token) start();
else view.pairing();
// Installable and opens offline; without a service worker (private mode) it works all the same.
navigator.serviceWorker?.register("/app/sw.js", { scope: "/app/" }).catch(() => {});
