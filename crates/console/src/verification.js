// Live validation of the blue-V application form (upload progress is upload.js's). Served as a file from
// /console/static/verification.js (the content security policy forbids inline scripts). Every form
// also works without it: the server checks everything again and stays the authority.
(function () {
  'use strict';

  function csrfOf(form) {
    var field = form.querySelector('input[name="csrf"]');
    return field ? field.value : '';
  }

  // ----- live validation: each field with data-check is sent to the server's validators -----

  function show(input, state, text) {
    var message = document.getElementById(input.id + '-msg');
    if (!message) return;
    message.textContent = text;
    message.className = 'field-msg ' + state;
    if (state === 'bad') input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  function check(form, input) {
    var value = input.value;
    if (value.trim() === '') {
      show(input, '', '');
      return;
    }
    var sequence = (input.xdSequence || 0) + 1;
    input.xdSequence = sequence;
    var body = new URLSearchParams();
    body.set('csrf', csrfOf(form));
    body.set('field', input.getAttribute('data-check'));
    body.set('value', value);
    fetch('/console/verification-check', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Accept': 'application/json' },
      body: body
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (input.xdSequence !== sequence) return; // a newer check is on its way
        var state = !answer.ok ? 'bad' : (answer.warning ? 'warn' : 'ok');
        show(input, state, answer.message || '');
      })
      .catch(function () { /* the server checks again on submit */ });
  }

  function togglePermitNote(select) {
    var note = document.getElementById('permit-note');
    if (!note) return;
    var option = select.options[select.selectedIndex];
    note.hidden = !(option && option.getAttribute('data-permit') === '1');
  }

  Array.prototype.forEach.call(document.querySelectorAll('form.application-form'), function (form) {
    Array.prototype.forEach.call(form.querySelectorAll('[data-check]'), function (input) {
      var timer = null;
      var run = function () { clearTimeout(timer); check(form, input); };
      input.addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(run, 250);
      });
      input.addEventListener('change', run);
      input.addEventListener('blur', run);
      if (input.tagName !== 'SELECT' && input.value.trim() !== '') check(form, input);
    });
    var industry = form.querySelector('select[name="industry"]');
    if (industry) {
      industry.addEventListener('change', function () { togglePermitNote(industry); });
      togglePermitNote(industry);
    }
  });
})();
