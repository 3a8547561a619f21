// Live validation of the blue-V application form and upload progress. Served as a file from
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

  // ----- uploads with a progress bar -----

  // Replaces parts of this page with their current version (after an upload). The page may be
  // shown at a form's address after an error, so its own address comes from the form.
  function refresh(page, ids) {
    fetch(page, { credentials: 'same-origin' })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, 'text/html');
        ids.forEach(function (id) {
          var now = document.getElementById(id);
          var next = fresh.getElementById(id);
          if (now && next) now.replaceWith(next);
        });
      })
      .catch(function () { /* the next page load shows it */ });
  }

  var uploadForm = document.getElementById('upload-form');
  if (uploadForm && window.FormData && window.XMLHttpRequest) {
    uploadForm.addEventListener('submit', function (event) {
      event.preventDefault();
      var file = uploadForm.querySelector('input[type="file"]');
      var progress = document.getElementById('upload-progress');
      var percent = document.getElementById('upload-percent');
      var status = document.getElementById('upload-status');
      var button = document.getElementById('upload-submit');
      var setProgress = function (value) {
        progress.value = value;
        progress.textContent = value + '%';
        percent.textContent = value + '%';
      };
      var say = function (state, text) {
        status.className = state;
        status.textContent = text;
      };
      if (!file.files.length) {
        say('bad', uploadForm.getAttribute('data-msg-choose'));
        return;
      }
      if (file.files[0].size > Number(uploadForm.getAttribute('data-bytes-max'))) {
        say('bad', uploadForm.getAttribute('data-msg-too-large'));
        return;
      }
      var request = new XMLHttpRequest();
      request.open('POST', uploadForm.action);
      request.setRequestHeader('Accept', 'application/json');
      request.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable) setProgress(Math.min(99, Math.floor(e.loaded * 100 / e.total)));
      });
      request.addEventListener('load', function () {
        button.disabled = false;
        var answer;
        try { answer = JSON.parse(request.responseText); } catch (error) { answer = null; }
        if (answer && answer.ok) {
          setProgress(100);
          say('ok', answer.message);
          file.value = '';
          var stale = document.getElementById('incomplete');
          if (stale) stale.remove();
          refresh(uploadForm.getAttribute('data-page'), ['documents', 'checklist', 'timeline-card', 'summary']);
        } else {
          say('bad', answer && answer.message ? answer.message : uploadForm.getAttribute('data-msg-failed'));
        }
      });
      request.addEventListener('error', function () {
        button.disabled = false;
        say('bad', uploadForm.getAttribute('data-msg-failed'));
      });
      setProgress(0);
      say('', uploadForm.getAttribute('data-msg-uploading'));
      button.disabled = true;
      request.send(new FormData(uploadForm));
    });
  }
})();
