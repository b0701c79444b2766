// The check loop (docs/client-guide.md). One timer at a time:
//   - check once when started, then exactly at each answer's next_check_at;
//   - check at once when the page becomes visible again (timers do not run in the
//     background) or the network comes back;
//   - after a 429 or 503, not before its Retry-After, whatever else happens;
//   - when the service cannot be reached, again after a pause that grows to 5 minutes.
// It never polls on a fixed cycle: between two next_check_at the answer cannot change.

const SECOND = 1000;
const MIN_WAIT = 60 * SECOND; // what next_check_at promises: 60 s to 1 h after a check,
const MAX_WAIT = 3600 * SECOND; // so a device clock that is off cannot make a tight loop
const OFFLINE_WAITS = [30, 60, 120, 300].map((s) => s * SECOND);

export class CheckLoop {
  // `check()` makes one request and returns its outcome (api.js); `onOutcome(outcome, nextAt)`
  // shows it, after the next check is scheduled.
  constructor(check, onOutcome) {
    this.check = check;
    this.onOutcome = onOutcome;
    this.timer = null;
    this.notBefore = 0;
    this.failures = 0;
    this.inFlight = false;
    this.running = false;
    this.wake = () => {
      if (document.visibilityState === "visible") this.now();
    };
  }

  start() {
    if (this.running) return;
    this.running = true;
    document.addEventListener("visibilitychange", this.wake);
    window.addEventListener("online", this.wake);
    this.now();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    document.removeEventListener("visibilitychange", this.wake);
    window.removeEventListener("online", this.wake);
  }

  // Check now, unless one is under way or a Retry-After is still running.
  async now() {
    if (!this.running || this.inFlight) return;
    if (Date.now() < this.notBefore) {
      this.at(this.notBefore);
      return;
    }
    clearTimeout(this.timer);
    this.inFlight = true;
    let outcome;
    try {
      outcome = await this.check();
    } finally {
      this.inFlight = false;
    }
    const nextAt = this.schedule(outcome);
    this.onOutcome(outcome, nextAt);
  }

  schedule(outcome) {
    if (outcome.kind === "unpaired") {
      this.stop();
      return null;
    }
    if (outcome.kind === "ok") {
      this.failures = 0;
      const wait = Date.parse(outcome.body.next_check_at) - Date.now();
      return this.at(Date.now() + Math.min(Math.max(wait, MIN_WAIT), MAX_WAIT));
    }
    if (outcome.kind === "wait") {
      this.notBefore = Date.now() + outcome.seconds * SECOND;
      return this.at(this.notBefore);
    }
    const wait = OFFLINE_WAITS[Math.min(this.failures, OFFLINE_WAITS.length - 1)];
    this.failures += 1;
    return this.at(Date.now() + wait);
  }

  at(instant) {
    clearTimeout(this.timer);
    if (this.running) this.timer = setTimeout(() => this.now(), instant - Date.now());
    return instant;
  }
}
