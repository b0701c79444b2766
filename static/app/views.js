// Drawing the screens of index.html from what the service said. Text goes in with
// textContent only (never innerHTML): nothing the service or a parent sent can become markup.
// Every sentence is marked t() or tn() (i18n.js) and times are written by Intl in the app's
// language.

import { LANGUAGES, language, t, tn } from "./i18n.js";

const $ = (id) => document.getElementById(id);

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const NO_SCHOOL = {
  weekly_off: () => t("No school today."),
  public_holiday: () => t("No school today: it's a public holiday."),
  exception: () => t("No school today: your parents marked it as a day off."),
  outside_term: () => t("No school today: it's outside the school term."),
};
const ANSWERS = {
  shown: () => t("seen"),
  dismissed: () => t("tapped OK"),
  closed_app: () => t("closed the app"),
  school_use: () => t("using it for school"),
  report_wrong: () => t("reported it as wrong"),
};

// The words index.html is written with, by element id, in the app's language.
function pageWords() {
  return {
    "sign-text": t("School-time reminders are on."),
    "sign-link": t("What's set for me"),
    "pair-title": t("Pair this device"),
    "pair-intro": t("A parent gets a code on their page for you. Type it here to get gentle reminders during school hours. You can always see what is set, and tell your parents when a reminder is wrong."),
    "pair-label": t("Pairing code"),
    "pair-hint": t("8 letters and digits, like %(example)s.", { example: "DHV7KEKM" }),
    "pair-submit": t("Pair"),
    "home-title": t("School-time reminders"),
    "answer-ok": t("OK"),
    "answer-school": t("I'm using it for school"),
    "answer-wrong": t("This is wrong"),
    "report-label": t("What's wrong? (optional, your parents will see it)"),
    "report-send": t("Send report"),
    "report-cancel": t("Cancel"),
    "now-title": t("Right now"),
    "now-text": t("Checking…"),
    "me-back": t("← Back"),
    "me-title": t("What's set for me"),
    download: t("Download my data"),
    "language-label": t("Language"),
    "language-auto": t("This device's language"),
    "me-today-title": t("Today"),
    "me-hours-title": t("School hours"),
    "me-policy-title": t("How reminders work"),
    "me-recent-title": t("My reminders, last 14 days"),
    "footer-text": t("A reminder, never a punishment. No browsing history, no location, no real names."),
  };
}

// Put the page's own words in the app's language (the service's answers are drawn again by
// the functions below).
export function translatePage() {
  document.title = t("School-time reminders");
  for (const [id, text] of Object.entries(pageWords())) $(id).textContent = text;
  const picker = $("language");
  if (picker.options.length === 1) {
    for (const [tag, name] of Object.entries(LANGUAGES)) {
      const option = el("option", name);
      option.value = tag;
      option.lang = tag;
      picker.append(option);
    }
  }
}

// The picker shows the language stored on the device ("" when none is).
export function languagePicked(locale) {
  const picker = $("language");
  const known = [...picker.options].some((option) => option.value === (locale ?? ""));
  if (locale && !known) {
    const option = el("option", locale);
    option.value = locale;
    picker.append(option);
  }
  picker.value = locale ?? "";
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function show(node, visible) {
  node.hidden = !visible;
}

// Times in the school's zone (the one the schedule is written in), in the app's language.
export function time(instant, timeZone) {
  return new Intl.DateTimeFormat(language(), { hour: "numeric", minute: "2-digit", timeZone })
    .format(new Date(instant));
}

// "08:15" (a time of day in the schedule) written the way the app's language writes times.
function wallClock(hhmm) {
  return hhmm === "24:00" ? t("midnight") : time(`1970-01-01T${hhmm}:00Z`, "UTC");
}

function dayAndTime(instant, timeZone) {
  return new Intl.DateTimeFormat(language(), {
    weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZone,
  }).format(new Date(instant));
}

// A date of the school's calendar ("2026-09-02"), e.g. "Sep 2, 2026".
function date(isoDay) {
  return new Intl.DateTimeFormat(language(), { dateStyle: "medium", timeZone: "UTC" })
    .format(new Date(`${isoDay}T00:00:00Z`));
}

// Monday (index 0) to Sunday in the app's language: 2024-01-01 was a Monday.
function dayName(index) {
  return new Intl.DateTimeFormat(language(), { weekday: "long", timeZone: "UTC" })
    .format(new Date(Date.UTC(2024, 0, 1 + index)));
}

function names(me) {
  const list = (me?.guardians ?? []).map((g) => g.name);
  if (list.length === 0) return t("your parents");
  return new Intl.ListFormat(language(), { type: "conjunction" }).format(list);
}

export function showView(name) {
  for (const view of ["pair", "home", "me"]) show($(`${view}-view`), view === name);
  show($("sign"), name !== "pair");
}

// --- the sign ----------------------------------------------------------------------------

export function sign(me, lastCheck) {
  const who = names(me);
  const reason = lastCheck?.reason;
  let text = t("School-time reminders are on, set by %(names)s.", { names: who });
  if (reason === "disabled") text = t("School-time reminders are switched off for everyone right now.");
  else if (reason === "paused" && me?.paused_until) {
    const until = dayAndTime(me.paused_until, me.timezone);
    text = t("School-time reminders are paused until %(time)s, set by %(names)s.", { time: until, names: who });
  } else if (reason === "paused") text = t("School-time reminders are paused, set by %(names)s.", { names: who });
  $("sign-text").textContent = text;
  $("sign").classList.toggle("off", reason === "disabled" || reason === "paused");
}

// --- pairing -----------------------------------------------------------------------------

export function pairing(notice) {
  $("pair-notice").textContent = notice ?? "";
  show($("pair-notice"), Boolean(notice));
  pairError(null);
  showView("pair");
}

export function pairError(message) {
  const error = $("pair-error");
  error.textContent = message ?? "";
  show(error, Boolean(message));
  const input = $("pair-code");
  if (message) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", "pair-error pair-hint");
    input.focus();
  } else {
    input.removeAttribute("aria-invalid");
    input.setAttribute("aria-describedby", "pair-hint");
  }
}

// --- the reminder card -------------------------------------------------------------------

export function card(nudge, explanation) {
  $("card-title").textContent = nudge.title;
  $("card-body").textContent = nudge.body;
  $("card-why").textContent = explanation;
  $("card").dataset.nudge = nudge.id;
  show($("card-answers"), true);
  show($("report-form"), false);
  show($("thanks"), false);
  show($("card"), true);
  show($("now-panel"), false); // the card says the same
}

export function reportForm(open) {
  show($("card-answers"), !open);
  show($("report-form"), open);
  if (open) $("report-comment").focus();
}

export function answered(message) {
  show($("card"), false);
  $("report-comment").value = "";
  $("thanks").textContent = message;
  show($("thanks"), true);
  show($("now-panel"), true);
  $("thanks").focus();
}

// --- status --------------------------------------------------------------------------------

export function now(text) {
  $("now-text").textContent = text;
}

// A sentence with one `%(time)s` drawn as a <time> element.
function withTime(sentence, instant, timeZone) {
  const [before, after] = sentence.split("%(time)s");
  const at = el("time", time(instant, timeZone));
  at.dateTime = new Date(instant).toISOString();
  return after === undefined ? [sentence] : [before, at, after];
}

let lastConnection = ["ok", null, null, undefined];

// `state`: "ok", "offline" or "busy"; `nextAt`: when the app asks again (ms); times in the
// school's zone when it is known.
export function connection(state, lastReachedAt, nextAt, timeZone) {
  lastConnection = [state, lastReachedAt, nextAt, timeZone];
  const line = $("connection");
  line.replaceChildren();
  const parts = [];
  if (state === "offline") parts.push(t("Can't reach the service right now."));
  if (state === "busy") parts.push(t("The service is busy."));
  if (lastReachedAt) parts.push(withTime(t("Last reached the service at %(time)s."), lastReachedAt, timeZone));
  else parts.push(t("Not reached the service yet."));
  if (state !== "ok" && nextAt) parts.push(t("Trying again at %(time)s.", { time: time(nextAt, timeZone) }));
  parts.forEach((part, index) => line.append(...(index ? [" "] : []), ...[part].flat()));
  line.classList.toggle("trouble", state !== "ok");
}

// The connection line again, in a newly picked language.
export function redrawConnection() {
  connection(...lastConnection);
}

// --- what's set for me -------------------------------------------------------------------

export function meError(message) {
  $("me-error").textContent = message ?? "";
  show($("me-error"), Boolean(message));
}

export function whatIsSet(me) {
  const zone = me.timezone;
  $("me-who").textContent = t("Set by %(names)s for %(nickname)s. If something looks wrong, tell them, or answer \"This is wrong\" on a reminder.", { names: names(me), nickname: me.nickname });
  today(me);
  languagePicked(me.locale);
  const pause = $("me-pause");
  pause.textContent = me.paused_until ? t("Reminders are paused until %(time)s.", { time: dayAndTime(me.paused_until, zone) }) : "";
  show(pause, Boolean(me.paused_until));
  week(me);
  policy(me.schedule?.policy);
  recent(me.recent, zone);
}

function today(me) {
  const zone = me.timezone;
  const day = me.today;
  let text = t("Your parents have not set school hours yet, so no reminders come.");
  if (day && day.school_day) {
    const blocks = day.windows.map((w) => span(time(w.start, zone), time(w.end, zone)));
    text = t("School hours today: %(hours)s.", { hours: listed(blocks) });
  } else if (day) text = NO_SCHOOL[day.reason]?.() ?? t("No school today.");
  $("me-today").textContent = text;
  const next = me.next_window;
  let when = "";
  if (next && Date.parse(next.start) <= Date.now()) when = t("In a school block now, until %(time)s.", { time: time(next.end, zone) });
  else if (next) when = t("Next school block: %(start)s to %(end)s.", { start: dayAndTime(next.start, zone), end: time(next.end, zone) });
  $("me-next").textContent = when;
}

// "8:00 AM–3:00 PM": a range of two times (the dash stays between them in any direction).
function span(start, end) {
  return `${start}\u2013${end}`;
}

// Several school blocks in one line: "8:00 AM–11:45 AM, 12:30 PM–3:00 PM".
function listed(blocks) {
  return new Intl.ListFormat(language(), { type: "unit", style: "short" }).format(blocks);
}

function week(me) {
  const schedule = me.schedule;
  $("me-zone").textContent = t("School hours each week, in the school's time (%(zone)s)", { zone: me.timezone });
  const rows = DAYS.map((key, index) => {
    const row = el("tr");
    row.append(el("th", dayName(index)));
    const blocks = schedule?.weekly[key] ?? [];
    const hours = listed(blocks.map((b) => span(wallClock(b.start), wallClock(b.end))));
    row.append(el("td", hours || t("No school")));
    return row;
  });
  $("me-week").tBodies[0].replaceChildren(...rows);
  const term = schedule?.term;
  $("me-term").textContent = term ? t("School term: %(first)s to %(last)s.", { first: date(term.first_day), last: date(term.last_day) }) : "";
}

function policy(p) {
  const items = p
    ? [
        tn("No reminder in the first %(count)d minute of a school block.", "No reminder in the first %(count)d minutes of a school block.", p.grace_minutes),
        tn("At least %(count)d minute between reminders, and longer after you tap OK a few times in a row.", "At least %(count)d minutes between reminders, and longer after you tap OK a few times in a row.", p.min_interval_minutes),
        tn("At most %(count)d reminder a day.", "At most %(count)d reminders a day.", p.max_per_day),
        tn("\"I'm using it for school\" keeps reminders quiet for %(count)d minute.", "\"I'm using it for school\" keeps reminders quiet for %(count)d minutes.", p.snooze_minutes),
        t("Never a reminder on a day off, during a pause, or when you're far from school."),
      ]
    : [];
  $("me-policy").replaceChildren(...items.map((text) => el("li", text)));
}

function recent(reminders, zone) {
  if (!reminders.length) {
    $("me-recent").replaceChildren(el("li", t("No reminders in the last 14 days.")));
    return;
  }
  $("me-recent").replaceChildren(
    ...reminders.map((r) => {
      const item = el("li");
      item.append(el("strong", dayAndTime(r.at, zone)), " ", el("span", r.explanation));
      const answers = r.acks.map((a) =>
        a.comment ? t("%(answer)s (\"%(comment)s\")", { answer: ANSWERS[a.action](), comment: a.comment }) : ANSWERS[a.action](),
      );
      const yours = new Intl.ListFormat(language(), { type: "unit", style: "short" }).format(answers);
      if (answers.length) item.append(" ", el("span", t("You: %(answers)s.", { answers: yours }), "muted"));
      return item;
    }),
  );
}
