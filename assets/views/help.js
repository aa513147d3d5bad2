// Keyboard shortcuts and the `?` sheet that lists them.

import { h, button } from '../dom.js';
import { t } from '../i18n.js';

const SHORTCUTS = [['?', 'help.help'], ['/', 'help.search'], ['n', 'help.new'], ['g h', 'help.home'], ['g a', 'help.account'], ['Esc', 'help.close']];

/** Opens the sheet of shortcuts (a modal dialog). */
export function helpSheet() {
  document.getElementById('help')?.remove();
  const close = button(t('form.close'), () => dialog.close(), { class: 'primary' });
  const dialog = h('dialog', { id: 'help', 'aria-labelledby': 'help-title' }, h('h2', { id: 'help-title' }, t('help.title')),
    h('dl', { class: 'shortcuts' }, SHORTCUTS.map(([keys, text]) => [h('dt', {}, h('kbd', {}, keys)), h('dd', {}, t(text))])), close);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}

/** Binds the shortcuts (ignored while typing in a field). */
export function bindShortcuts(app) {
  let pending = '';
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || !app.user) return;
    if (event.target.closest && event.target.closest('input, textarea, select, [contenteditable], dialog')) return;
    const key = event.key;
    if (pending === 'g') {
      pending = '';
      if (key === 'h') app.go('#/');
      else if (key === 'a') app.go('#/account');
      return;
    }
    if (key === '?') { event.preventDefault(); helpSheet(); }
    else if (key === '/') { const search = document.getElementById('search'); if (search) { event.preventDefault(); search.focus(); } }
    else if (key === 'n') document.getElementById('new')?.click();
    else if (key === 'g') pending = 'g';
  });
}
