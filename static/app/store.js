// What the app keeps on the device, in localStorage: its device token, the ids of the
// reminders it has shown (each is shown once), acks still to send, and what it last heard
// from the service (so it can say when that was, and show the sign while offline).
// Nothing else: no history of its own, no location.

const KEY = "alertsvc.app";
const SHOWN_KEPT = 20; // the last few ids are enough: re-delivery lasts 120 s

function read() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) ?? {};
  } catch {
    return {};
  }
}

let state = read();

function write(changes) {
  state = { ...state, ...changes };
  localStorage.setItem(KEY, JSON.stringify(state));
}

export const store = {
  get token() {
    return state.device?.token ?? null;
  },
  get me() {
    return state.me ?? null;
  },
  get lastCheck() {
    return state.lastCheck ?? null;
  },
  get lastReachedAt() {
    return state.lastReachedAt ?? null;
  },
  get pendingAcks() {
    return state.pendingAcks ?? [];
  },

  paired(deviceId, token) {
    state = {};
    write({ device: { id: deviceId, token } });
  },
  forget() {
    state = {};
    localStorage.removeItem(KEY);
  },
  reached() {
    write({ lastReachedAt: new Date().toISOString() });
  },
  remember(changes) {
    write(changes); // { me } or { lastCheck }
  },

  wasShown(nudgeId) {
    return (state.shown ?? []).includes(nudgeId);
  },
  markShown(nudgeId) {
    write({ shown: [...(state.shown ?? []), nudgeId].slice(-SHOWN_KEPT) });
  },

  queueAck(ack) {
    write({ pendingAcks: [...this.pendingAcks, ack] });
  },
  clearAcks() {
    write({ pendingAcks: [] });
  },
};
