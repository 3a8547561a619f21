// Keeps what was typed into a console form when the server sends it back with an error. Every
// form answers Post/Redirect/Get, a refused one with `?failed=CODE` on the page that holds it, so
// the page is drawn afresh; this script puts the values back. Served from /console/static/draft.js
// (the content security policy forbids inline scripts). Without it the form still works, empty.
// Passwords, files, hidden fields and inputs marked `data-draft="off"` (an ID number) are never
// kept; the draft lives in this tab's sessionStorage for one page load only.
(function () {
  'use strict';
  var KEY = 'xd-draft';

  function kept(el) {
    var type = (el.type || '').toLowerCase();
    return el.name && ['password', 'file', 'hidden', 'submit', 'button', 'reset'].indexOf(type) < 0 &&
      el.getAttribute('data-draft') !== 'off';
  }

  function choice(el) {
    return el.type === 'checkbox' || el.type === 'radio';
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.getAttribute('method') || '').toLowerCase() !== 'post') {
      return;
    }
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!kept(el)) return;
      if (choice(el)) {
        if (el.checked) values[el.name + '=' + el.value] = true;
      } else {
        values[el.name] = el.value;
      }
    });
    var draft = { action: form.getAttribute('action') || '', page: location.pathname, values: values };
    try { sessionStorage.setItem(KEY, JSON.stringify(draft)); } catch (e) { /* storage off: no draft */ }
  });

  var saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    sessionStorage.removeItem(KEY);
  } catch (e) { saved = null; }
  if (!saved || !/[?&]failed=/.test(location.search) || saved.page !== location.pathname) return;
  var form = Array.prototype.filter.call(document.forms, function (f) {
    return (f.getAttribute('action') || '') === saved.action;
  })[0];
  if (!form) return;
  // A form folded away (the application's edit section) is opened again to show what came back.
  for (var fold = form.closest('details'); fold; fold = fold.parentElement && fold.parentElement.closest('details')) {
    fold.open = true;
  }
  Array.prototype.forEach.call(form.elements, function (el) {
    if (!kept(el)) return;
    if (choice(el)) {
      el.checked = saved.values[el.name + '=' + el.value] === true;
    } else if (Object.prototype.hasOwnProperty.call(saved.values, el.name)) {
      el.value = saved.values[el.name];
    }
  });
})();
