// Drawing the screens of index.html from what the service said. Text goes in with
// textContent only (never innerHTML): nothing the service or a parent sent can become markup.

const $ = (id) => document.getElementById(id);

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const NO_SCHOOL = {
  weekly_off: "No school today.",
  public_holiday: "No school today: it's a public holiday.",
  exception: "No school today: your parents marked it as a day off.",
  outside_term: "No school today: it's outside the school term.",
};
const ANSWERS = {
  shown: "seen",
  dismissed: "tapped OK",
  closed_app: "closed the app",
  school_use: "using it for school",
  report_wrong: "reported it as wrong",
};

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function show(node, visible) {
  node.hidden = !visible;
}

// Times in the school's zone (the one the schedule is written in), in the device's language.
export function time(instant, timeZone) {
  return new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZone })
    .format(new Date(instant));
}

// "08:15" (a time of day in the schedule) written the way the device's language writes times.
function wallClock(hhmm) {
  return hhmm === "24:00" ? "midnight" : time(`1970-01-01T${hhmm}:00Z`, "UTC");
}

function dayAndTime(instant, timeZone) {
  return new Intl.DateTimeFormat(undefined, {
    weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZone,
  }).format(new Date(instant));
}

function names(me) {
  const list = (me?.guardians ?? []).map((g) => g.name);
  if (list.length === 0) return "your parents";
  return list.length === 1 ? list[0] : `${list.slice(0, -1).join(", ")} and ${list.at(-1)}`;
}

export function showView(name) {
  for (const view of ["pair", "home", "me"]) show($(`${view}-view`), view === name);
  show($("sign"), name !== "pair");
}

// --- the sign ----------------------------------------------------------------------------

export function sign(me, lastCheck) {
  const who = names(me);
  const reason = lastCheck?.reason;
  const until = me?.paused_until ? ` until ${dayAndTime(me.paused_until, me.timezone)}` : "";
  let text = `School-time reminders are on, set by ${who}.`;
  if (reason === "disabled") text = "School-time reminders are switched off for everyone right now.";
  else if (reason === "paused") text = `School-time reminders are paused${until}, set by ${who}.`;
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

// `state`: "ok", "offline" or "busy"; `nextAt`: when the app asks again (ms).
export function connection(state, lastReachedAt, nextAt) {
  const line = $("connection");
  line.replaceChildren();
  if (state === "offline") line.append("Can't reach the service right now. ");
  if (state === "busy") line.append("The service is busy. ");
  if (lastReachedAt) {
    const at = el("time", time(lastReachedAt));
    at.dateTime = lastReachedAt;
    line.append("Last reached the service at ", at, ".");
  } else {
    line.append("Not reached the service yet.");
  }
  if (state !== "ok" && nextAt) line.append(` Trying again at ${time(nextAt)}.`);
  line.classList.toggle("trouble", state !== "ok");
}

// --- what's set for me -------------------------------------------------------------------

export function meError(message) {
  $("me-error").textContent = message ?? "";
  show($("me-error"), Boolean(message));
}

export function whatIsSet(me) {
  const zone = me.timezone;
  $("me-who").textContent = `Set by ${names(me)} for ${me.nickname}. If something looks wrong, tell them, or answer "This is wrong" on a reminder.`;
  today(me);
  const pause = $("me-pause");
  pause.textContent = me.paused_until ? `Reminders are paused until ${dayAndTime(me.paused_until, zone)}.` : "";
  show(pause, Boolean(me.paused_until));
  week(me);
  policy(me.schedule?.policy);
  recent(me.recent, zone);
}

function today(me) {
  const zone = me.timezone;
  const day = me.today;
  let text = "Your parents have not set school hours yet, so no reminders come.";
  if (day && day.school_day) {
    const blocks = day.windows.map((w) => `${time(w.start, zone)}–${time(w.end, zone)}`);
    text = `School hours today: ${blocks.join(", ")}.`;
  } else if (day) text = NO_SCHOOL[day.reason] ?? "No school today.";
  $("me-today").textContent = text;
  const next = me.next_window;
  let when = "";
  if (next && Date.parse(next.start) <= Date.now()) when = `In a school block now, until ${time(next.end, zone)}.`;
  else if (next) when = `Next school block: ${dayAndTime(next.start, zone)} to ${time(next.end, zone)}.`;
  $("me-next").textContent = when;
}

function week(me) {
  const schedule = me.schedule;
  $("me-zone").textContent = `School hours each week, in the school's time (${me.timezone})`;
  const rows = DAYS.map((key, index) => {
    const row = el("tr");
    row.append(el("th", DAY_NAMES[index]));
    const blocks = schedule?.weekly[key] ?? [];
    const hours = blocks.map((b) => `${wallClock(b.start)}–${wallClock(b.end)}`).join(", ");
    row.append(el("td", hours || "No school"));
    return row;
  });
  $("me-week").tBodies[0].replaceChildren(...rows);
  const term = schedule?.term;
  $("me-term").textContent = term ? `School term: ${term.first_day} to ${term.last_day}.` : "";
}

function policy(p) {
  const items = p
    ? [
        `No reminder in the first ${p.grace_minutes} minutes of a school block.`,
        `At least ${p.min_interval_minutes} minutes between reminders, and longer after you tap OK a few times in a row.`,
        `At most ${p.max_per_day} reminders a day.`,
        `"I'm using it for school" keeps reminders quiet for ${p.snooze_minutes} minutes.`,
        "Never a reminder on a day off, during a pause, or when you're far from school.",
      ]
    : [];
  $("me-policy").replaceChildren(...items.map((text) => el("li", text)));
}

function recent(reminders, zone) {
  if (!reminders.length) {
    $("me-recent").replaceChildren(el("li", "No reminders in the last 14 days."));
    return;
  }
  $("me-recent").replaceChildren(
    ...reminders.map((r) => {
      const item = el("li");
      item.append(el("strong", dayAndTime(r.at, zone)), " ", el("span", r.explanation));
      const answers = r.acks.map((a) => ANSWERS[a.action] + (a.comment ? ` ("${a.comment}")` : ""));
      if (answers.length) item.append(el("span", ` You: ${answers.join(", ")}.`, "muted"));
      return item;
    }),
  );
}
