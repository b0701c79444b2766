// Small conveniences for the parent pages. Every page works without this file: it only
// saves a reload or a few keystrokes.
//
// - A submit button marked `data-swap` (add a block, switch the week's layout) posts its form
//   in the background and puts the answer's form in place of the old one, so the page keeps
//   its scroll position; the cursor goes to the field the answer marks `autofocus`. Without
//   the script the button's formaction ends in a #fragment, so the reloaded page opens at
//   the same place.
// - A time zone field marked `data-browser-zone` starts with this device's zone when empty
//   (found by today's or an older name: some browsers still say Asia/Calcutta), and a
//   country list's "from the time zone" choice names the country it stands for.
// - A typed time (0830) or date (20260902) gets its colon or dashes when the field is left;
//   the server accepts both forms anyway.
(function () {
  "use strict";

  function swapIn(form, html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var fresh = page.getElementById(form.id);
    if (!fresh) {
      return false;
    }
    form.replaceWith(fresh);
    var target = fresh.querySelector("[autofocus]");
    if (target) {
      target.focus();
    }
    return true;
  }

  function submitNatively(form, button) {
    form.setAttribute("data-native", "");
    if (form.requestSubmit) {
      form.requestSubmit(button);
    } else {
      button.click();
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (!button || !button.hasAttribute("data-swap") || !form.id || !window.fetch) {
      return;
    }
    if (form.hasAttribute("data-native")) {
      form.removeAttribute("data-native");
      return;
    }
    event.preventDefault();
    var body = new FormData(form);
    body.append(button.name, button.value);
    var action = (button.getAttribute("formaction") || form.getAttribute("action")).split("#")[0];
    fetch(action, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(new Error(response.status));
      })
      .then(function (html) {
        if (!swapIn(form, html)) {
          submitNatively(form, button);
        }
      })
      .catch(function () {
        submitNatively(form, button);
      });
  });

  function optionFor(field, text) {
    var list = field.list;
    if (!list) {
      return null;
    }
    for (var i = 0; i < list.options.length; i += 1) {
      var option = list.options[i];
      var older = " " + (option.getAttribute("data-aliases") || "") + " ";
      if (option.value === text || option.getAttribute("data-zone") === text ||
          older.indexOf(" " + text + " ") !== -1) {
        return option;
      }
    }
    return null;
  }

  function nameTheZonesCountry(field) {
    var choice = document.querySelector("option[data-zone-country]");
    if (!choice) {
      return;
    }
    var option = optionFor(field, field.value);
    var country = option && option.getAttribute("data-country-name");
    choice.textContent = choice.getAttribute("data-zone-country") + (country ? " (" + country + ")" : "");
  }

  var zoneField = document.querySelector("input[data-browser-zone]");
  if (zoneField) {
    if (!zoneField.value && window.Intl) {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      var option = zone && optionFor(zoneField, zone);
      if (option) {
        zoneField.value = option.value;
        var note = document.getElementById(zoneField.id + "-browser");
        if (note) {
          note.hidden = false;
        }
      }
    }
    nameTheZonesCountry(zoneField);
    zoneField.addEventListener("change", function () {
      nameTheZonesCountry(zoneField);
    });
  }

  document.addEventListener("focusout", function (event) {
    var field = event.target;
    if (!field || !field.hasAttribute) {
      return;
    }
    var text = (field.value || "").trim();
    var match;
    if (field.hasAttribute("data-time")) {
      match = /^(\d{1,2})[:.hH]?(\d{2})$/.exec(text);
      if (match) {
        field.value = (match[1].length === 1 ? "0" : "") + match[1] + ":" + match[2];
      }
    } else if (field.hasAttribute("data-date")) {
      match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
      if (match) {
        field.value = match[1] + "-" + match[2] + "-" + match[3];
      }
    }
  });
})();
