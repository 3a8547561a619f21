// Upload progress for every `form.xd-upload` of the console (blue-V documents, video files, covers).
// Served as a file from /console/static/upload.js (the content security policy forbids inline
// scripts). Every form also works without it: a plain multipart form is answered with a redirect.
// A form names what to refresh after an upload in `data-refresh` (ids, space-separated) and what to
// remove in `data-remove`.
(function () {
  'use strict';

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

  if (!window.FormData || !window.XMLHttpRequest) return;
  Array.prototype.forEach.call(document.querySelectorAll('form.xd-upload'), function (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var file = form.querySelector('input[type="file"]');
      var progress = form.querySelector('progress');
      var percent = form.querySelector('.upload-percent');
      var status = form.querySelector('.upload-status');
      var button = form.querySelector('button[type="submit"]');
      var setProgress = function (value) {
        progress.value = value;
        progress.textContent = value + '%';
        percent.textContent = value + '%';
      };
      var say = function (state, text) {
        status.className = 'upload-status ' + state;
        status.textContent = text;
      };
      if (!file.files.length) {
        say('bad', form.getAttribute('data-msg-choose'));
        return;
      }
      if (file.files[0].size > Number(form.getAttribute('data-bytes-max'))) {
        say('bad', form.getAttribute('data-msg-too-large'));
        return;
      }
      var request = new XMLHttpRequest();
      request.open('POST', form.action);
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
          var stale = document.getElementById(form.getAttribute('data-remove') || '');
          if (stale) stale.remove();
          refresh(form.getAttribute('data-page'), (form.getAttribute('data-refresh') || '').split(' '));
        } else {
          say('bad', answer && answer.message ? answer.message : form.getAttribute('data-msg-failed'));
        }
      });
      request.addEventListener('error', function () {
        button.disabled = false;
        say('bad', form.getAttribute('data-msg-failed'));
      });
      setProgress(0);
      say('', form.getAttribute('data-msg-uploading'));
      button.disabled = true;
      // The file is sent as it is read from disk; the form's CSRF field comes first.
      request.send(new FormData(form));
    });
  });
})();
