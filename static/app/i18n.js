// The app's words in the teen's language. Every sentence it shows is marked t("English") or
// tn("one", "many", n) with named placeholders, %(name)s, as in the service's own sentences:
// `make messages` extracts them into the service's catalogs, and the service serves their
// translations (and no others) at /app/messages/<language>.json.

// What the service speaks: each language named in itself, for the picker.
export const LANGUAGES = {
  en: "English",
  es: "Español",
  fr: "Français",
  de: "Deutsch",
  "pt-BR": "Português (Brasil)",
  ja: "日本語",
  ar: "العربية",
};
const RIGHT_TO_LEFT = ["ar", "fa", "he", "ur"];

let tag = "en";
let messages = {};

export const language = () => tag;

// The language to speak: the one the teen picked (stored on the device by the service: the
// `locale` of /v1/me), else the first of the browser's languages the service speaks, else
// English. en-XA is the pseudo-language that developers switch on to check the layout.
export function choose(picked) {
  for (const wanted of [picked, ...navigator.languages]) {
    let canonical;
    try {
      canonical = Intl.getCanonicalLocales(wanted ?? [])[0];
    } catch {
      continue; // not a language tag
    }
    if (!canonical) continue;
    if (canonical === "en-XA") return canonical;
    const base = canonical.split("-")[0];
    if (base === "pt" || base in LANGUAGES) return canonical;
  }
  return "en";
}

// Speak `wanted`: fetch its words (English, en-US or en-GB, needs none: its times still follow
// its region), then set <html lang dir>. Without
// them (offline, and not kept by the service worker) the app stays in English.
export async function use(wanted) {
  let words = {};
  if (wanted.split("-")[0] !== "en" || wanted === "en-XA") {
    try {
      const response = await fetch(`/app/messages/${encodeURIComponent(wanted)}.json`, {
        credentials: "omit",
      });
      words = response.ok ? await response.json() : null;
    } catch {
      words = null;
    }
  }
  tag = words ? wanted : "en";
  messages = words ?? {};
  const root = document.documentElement;
  root.lang = tag;
  root.dir = RIGHT_TO_LEFT.includes(tag.split("-")[0]) ? "rtl" : "ltr";
}

// Numbers in the language's digits; everything else as it is.
function fill(text, values) {
  return text.replace(/%\((\w+)\)[sd]/g, (whole, name) => {
    const value = values[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? new Intl.NumberFormat(tag).format(value) : String(value);
  });
}

export function t(text, values = {}) {
  const said = messages[text];
  return fill(typeof said === "string" ? said : text, values);
}

// A sentence that counts: the form for `count` (its CLDR category: one, few, many, …).
export function tn(one, many, count, values = {}) {
  const forms = messages[one];
  let text = count === 1 ? one : many;
  if (forms && typeof forms === "object") {
    text = forms[new Intl.PluralRules(tag).select(count)] ?? forms.other ?? text;
  }
  return fill(text, { ...values, count });
}
