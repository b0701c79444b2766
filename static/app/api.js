// The service's API, as this app uses it (docs/api-guide.md). Every call answers one of:
//   { kind: "ok", body }            2xx; body is the parsed JSON (null for 204)
//   { kind: "wait", seconds }       429 or 503: ask again after Retry-After, not sooner
//   { kind: "unpaired" }            401: the device token no longer works (revoked)
//   { kind: "offline" }             no answer at all, or a server error without Retry-After
//   { kind: "problem", problem }    any other 4xx: an RFC 9457 problem to show or drop
// so callers switch on `kind` and never parse statuses themselves.

import { language } from "./i18n.js";

const DEFAULT_WAIT_SECONDS = 30;

export async function call(method, path, { token, body } = {}) {
  // The app's language, not the browser's list: the teen may have picked another one here.
  const headers = { Accept: "application/json", "Accept-Language": language() };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // The API authenticates by the bearer token only. Never send cookies: a request that
      // carries a parent's login cookie from the same browser would be CSRF-checked.
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    return { kind: "offline" };
  }
  if (response.ok) {
    const text = await response.text();
    return { kind: "ok", body: text ? JSON.parse(text) : null, response };
  }
  const problem = await response.json().catch(() => ({}));
  if (response.status === 401) return { kind: "unpaired", problem };
  if (response.status === 429 || response.status === 503) {
    return { kind: "wait", seconds: retryAfter(response), problem };
  }
  if (response.status >= 500) return { kind: "offline", problem };
  return { kind: "problem", status: response.status, problem };
}

// Retry-After is seconds (what this service sends) or an HTTP date.
function retryAfter(response) {
  const value = response.headers.get("Retry-After") ?? "";
  const seconds = /^\d+$/.test(value) ? Number(value) : (Date.parse(value) - Date.now()) / 1000;
  return seconds > 0 ? seconds : DEFAULT_WAIT_SECONDS;
}

export const pair = (code) =>
  call("POST", "/v1/devices", { body: { pairing_code: code, platform: "web" } });

// The phone's current UTC offset lets the service notice travel (reason `away`).
export const check = (token) =>
  call("POST", "/v1/check", {
    token,
    body: { utc_offset_minutes: -new Date().getTimezoneOffset() },
  });

export const ack = (token, nudgeId, action, comment) =>
  call("POST", `/v1/nudges/${encodeURIComponent(nudgeId)}/ack`, {
    token,
    body: comment ? { action, comment } : { action },
  });

export const me = (token) => call("GET", "/v1/me", { token });

// The language picked in "What's set for me", kept on the device by the service (null: none).
export const setLocale = (token, locale) => call("PATCH", "/v1/me", { token, body: { locale } });

// The export is a file: fetched with the token (a link cannot carry it), saved as a download.
export async function downloadMyData(token) {
  let response;
  try {
    response = await fetch("/v1/me/export", {
      headers: { Authorization: `Bearer ${token}`, "Accept-Language": language() },
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    return { kind: "offline" };
  }
  if (response.status === 401) return { kind: "unpaired" };
  if (!response.ok) return { kind: "offline" };
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = name ? name[1] : "my-school-reminders.json";
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  return { kind: "ok" };
}
