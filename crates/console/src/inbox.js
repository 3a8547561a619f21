// Keyboard use of the inbox (/console/inbox) and of a private conversation
// (/console/private-conversations/ID). Served as a file from /console/static/inbox.js (the content
// security policy forbids inline scripts). Every action also works without it: each is a link or a
// form.
//   J / K      the next / previous item of the inbox
//   R          reply to it: opens a comment's quick reply, or the conversation (on a conversation
//              page: the reply box)
//   Enter      on an item: the same as R
//   /          the keyword box of the filters
//   Ctrl+Enter (⌘+Enter) in any reply or note box: send it
(function () {
  'use strict';

  function typing(target) {
    var tag = target.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
  }

  function send(form) {
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  var list = document.getElementById('inbox-items');
  var items = list ? Array.prototype.slice.call(list.querySelectorAll('li.inbox-item')) : [];
  items.forEach(function (item) { item.tabIndex = -1; });

  function current() {
    var active = document.activeElement;
    var item = active && active.closest ? active.closest('li.inbox-item') : null;
    return items.indexOf(item);
  }

  function move(step) {
    if (!items.length) return;
    var at = current();
    var next = at < 0 ? (step > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, at + step));
    items[next].focus();
    items[next].scrollIntoView({ block: 'nearest' });
  }

  function reply() {
    if (!list) {
      var box = document.getElementById('dm-reply-text');
      if (box) box.focus();
      return;
    }
    var at = current();
    if (at < 0) return;
    var quick = items[at].querySelector('details.quick-reply');
    if (quick) {
      quick.open = true;
      var area = quick.querySelector('textarea');
      if (area) area.focus();
      return;
    }
    var open = items[at].querySelector('a.button');
    if (open) open.click();
  }

  document.addEventListener('keydown', function (event) {
    var target = event.target;
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      if (target.tagName === 'TEXTAREA' && target.form) {
        event.preventDefault();
        send(target.form);
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(target)) return;
    if (event.key === 'j' || event.key === 'J') {
      event.preventDefault();
      move(1);
    } else if (event.key === 'k' || event.key === 'K') {
      event.preventDefault();
      move(-1);
    } else if (event.key === 'r' || event.key === 'R' ||
               (event.key === 'Enter' && target.classList && target.classList.contains('inbox-item'))) {
      event.preventDefault();
      reply();
    } else if (event.key === '/') {
      var keyword = document.querySelector('#inbox-filter input[name="q"]');
      if (keyword) {
        event.preventDefault();
        keyword.focus();
      }
    }
  });
})();
