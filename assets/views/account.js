// The caller's account: profile and preferences, password, the second factor (QR code and
// recovery codes), API keys (the secret shown once) and invitations to organizations.

import { h, replace, button, uid } from '../dom.js';
import { api, ApiError } from '../api.js';
import { t, label, setLanguage } from '../i18n.js';
import { objectForm, formatDateTime } from '../fields.js';

export async function accountView(app, main) {
  document.title = `${t('account.title')} · Plinth`;
  replace(main, h('h1', {}, t('account.title')),
    await profile(app), password(app), twoFactor(app), await apiKeys(app), await invitations(app));
}

/** A card with a form whose submit runs `action(form)`; errors land in the form's fields. */
function card(id, title, content, action, submitLabel) {
  const message = h('div', { class: 'form-errors', role: 'alert' });
  const form = h('form', { id, class: 'card', novalidate: true }, h('h2', {}, title), message, content,
    submitLabel ? h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, submitLabel)) : null);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.replaceChildren();
    form.querySelectorAll('.errors').forEach((e) => e.replaceChildren());
    try {
      await action(form);
    } catch (error) {
      const body = error instanceof ApiError ? error.body : { detail: error.message };
      for (const [key, messages] of Object.entries(body)) {
        if (key === 'code') continue;
        const target = form.querySelector(`[data-field="${CSS.escape(key)}"] .errors`);
        for (const m of [].concat(messages)) (target || message).append(h(target ? 'li' : 'p', {}, target ? String(m) : `${key === 'detail' || key === 'non_field_errors' ? '' : `${label(key)}: `}${m}`));
      }
    }
  });
  return form;
}

function input(name, type = 'text', attrs = {}) {
  const id = uid(name);
  const el = h('input', { id, name, type, ...attrs });
  return { el, wrap: h('div', { class: 'field', dataset: { field: name } }, h('label', { for: id }, label(name)), el, h('ul', { class: 'errors' })) };
}

async function profile(app) {
  const model = app.model('userprofile');
  const record = await api('GET', 'profiles/me/');
  const form = objectForm(app, model, record, { creating: false, skip: ['list_settings', 'user'] });
  return card('profile', t('account.profile'), form.el, async () => {
    try {
      app.profile = await api('PATCH', 'profiles/me/', form.get());
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) { form.setErrors(error.body); return; }
      throw error;
    }
    await setLanguage(app.profile.language);
    app.notify(t('record.saved'));
    location.reload();
  }, t('record.save'));
}

function password(app) {
  const old = input('old_password', 'password', { autocomplete: 'current-password' });
  const fresh = input('new_password', 'password', { autocomplete: 'new-password' });
  return card('password', t('account.password'), [old.wrap, fresh.wrap], async (form) => {
    await api('POST', 'auth/password/change/', { old_password: old.el.value, new_password: fresh.el.value });
    form.reset();
    app.notify(t('account.password_changed'));
  }, t('account.change_password'));
}

function twoFactor(app) {
  const area = h('div', { class: 'totp' });
  const start = button(t('account.totp_setup'), async () => {
    try {
      const setup = await api('POST', 'auth/2fa/totp/setup/', {});
      const code = input('code', 'text', { inputmode: 'numeric', autocomplete: 'one-time-code' });
      const verify = card('totp-verify', t('account.totp_verify'), [
        h('img', { src: `data:image/png;base64,${setup.qr_png_base64}`, alt: t('account.totp_qr'), width: 180, height: 180 }),
        h('p', {}, t('account.totp_secret'), ' ', h('code', { id: 'totp-secret' }, setup.secret)), code.wrap],
      async () => {
        const result = await api('POST', 'auth/2fa/totp/verify/', { code: code.el.value.trim() });
        replace(area, h('p', { role: 'status' }, t('account.totp_enabled')),
          h('p', {}, t('account.recovery_codes')), h('ul', { class: 'mono', id: 'recovery-codes' }, result.recovery_codes.map((c) => h('li', {}, c))));
      }, t('account.totp_enable'));
      replace(area, verify);
    } catch (error) {
      replace(area, h('p', { role: 'alert', class: 'alert' }, error.body?.non_field_errors?.[0] || error.message));
    }
  }, { class: 'ghost', id: 'totp-setup' });
  const pass = input('password', 'password', { autocomplete: 'current-password' });
  const code = input('code', 'text', { inputmode: 'numeric' });
  const disable = card('totp-disable', t('account.totp_disable'), [pass.wrap, code.wrap], async (form) => {
    const body = { password: pass.el.value };
    if (code.el.value.trim()) body.code = code.el.value.trim();
    await api('POST', 'auth/2fa/totp/disable/', body);
    form.reset();
    app.notify(t('account.totp_disabled'));
  }, t('account.totp_disable'));
  return h('section', { class: 'card', id: 'two-factor' }, h('h2', {}, t('account.two_factor')), start, area, h('details', {}, h('summary', {}, t('account.totp_disable')), disable));
}

async function apiKeys(app) {
  let keys = [];
  try { keys = await api('GET', 'auth/api-keys/'); } catch { /* an API key session cannot list them */ }
  const list = Array.isArray(keys) ? keys : keys.results || [];
  const shown = h('div', { role: 'status' });
  const name = input('name');
  const expires = input('expires_at', 'date');
  const rows = h('tbody', {}, list.map((k) => h('tr', {}, h('td', {}, k.name), h('td', { class: 'mono' }, k.prefix),
    h('td', {}, k.expires_at ? formatDateTime(k.expires_at) : '—'), h('td', {}, k.revoked_at ? t('account.revoked') : t('account.active')),
    h('td', {}, k.revoked_at ? null : button(t('account.revoke'), () => attempt(app, async () => {
      await api('DELETE', `auth/api-keys/${encodeURIComponent(k.id)}/`);
      app.notify(t('account.revoked'));
      app.rerender();
    }), { class: 'ghost small' })))));
  const form = card('api-key-new', t('account.new_key'), [name.wrap, expires.wrap, shown], async () => {
    const body = { name: name.el.value.trim() };
    if (expires.el.value) body.expires_at = new Date(`${expires.el.value}T23:59:59`).toISOString();
    const created = await api('POST', 'auth/api-keys/', body);
    replace(shown, h('p', {}, t('account.key_once')), h('code', { id: 'new-key', class: 'secret' }, created.key));
  }, t('account.create_key'));
  return h('section', { class: 'card', id: 'api-keys' }, h('h2', {}, t('account.api_keys')),
    list.length ? h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, ['name', 'prefix', 'expires_at', 'status', ''].map((c) => h('th', { scope: 'col' }, c ? label(c) : h('span', { class: 'sr-only' }, t('account.actions')))))), rows) : h('p', { class: 'muted' }, t('account.no_keys')),
    form);
}

async function invitations(app) {
  let page;
  try { page = await api('GET', 'users/me/invitations/'); } catch { return null; }
  const items = (page.results || page || []).filter((i) => i.status === 'pending');
  if (!items.length) return null;
  return h('section', { class: 'card', id: 'invitations' }, h('h2', {}, t('account.invitations')),
    h('ul', {}, items.map((i) => h('li', {}, `${i.organization_name} · ${i.role_name} `,
      button(t('account.accept'), () => attempt(app, async () => { await api('POST', `users/me/invitations/${i.id}/accept/`, {}); app.notify(t('account.accepted')); location.reload(); }), { class: 'primary small' }),
      button(t('account.decline'), () => attempt(app, async () => { await api('POST', `users/me/invitations/${i.id}/decline/`, {}); app.rerender(); }), { class: 'ghost small' })))));
}

/** Runs a button's `action`; a refusal is said in a message rather than lost. */
async function attempt(app, action) {
  try { await action(); } catch (error) { app.notify(error.message); }
}
