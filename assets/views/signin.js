// The sign-in page: username and password, then the one-time code when the account asks for one.

import { h } from '../dom.js';
import { api, ApiError, setCsrf } from '../api.js';
import { t } from '../i18n.js';

/** Shows the sign-in form in `root`; calls `done(session)` once signed in. */
export function signInView(root, done) {
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const otp = h('input', { id: 'otp', name: 'otp', inputmode: 'numeric', autocomplete: 'one-time-code' });
  const otpField = h('div', { class: 'field', hidden: true }, h('label', { for: 'otp' }, t('signin.otp')), otp,
    h('p', { class: 'help' }, t('signin.otp_help')));
  const message = h('div', { class: 'alert', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('signin.submit'));
  const form = h('form', { id: 'signin', class: 'card signin', novalidate: true },
    h('h1', {}, 'Plinth'),
    h('p', { class: 'muted' }, t('signin.intro')),
    message,
    h('div', { class: 'field' }, h('label', { for: 'username' }, t('signin.username')), username),
    h('div', { class: 'field' }, h('label', { for: 'password' }, t('signin.password')), password),
    otpField,
    submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.hidden = true;
    submit.disabled = true;
    const body = { username: username.value.trim(), password: password.value };
    if (!otpField.hidden && otp.value.trim()) body.otp = otp.value.trim();
    try {
      const session = await api('POST', 'auth/session/', body);
      setCsrf(session.csrf_token);
      done(session);
    } catch (error) {
      const code = error instanceof ApiError ? error.body.code : '';
      let text = t('signin.failed');
      if (code === 'otp_required') {
        const first = otpField.hidden;
        otpField.hidden = false;
        text = first ? t('signin.otp_required') : t('signin.otp_wrong');
        otp.focus();
      } else if (error.status === 429) {
        text = t('signin.throttled', { seconds: error.retryAfter || '60' });
      } else if (error.status !== 401) {
        text = error.message;
      }
      message.textContent = text;
      message.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  const forgot = h('details', { class: 'card signin', id: 'forgot' }, h('summary', {}, t('reset.forgot')), resetForms());
  root.replaceChildren(h('main', { class: 'center', id: 'main' }, h('div', {}, form, forgot)));
  username.focus();
}

/** Asking for a reset token by e-mail, and setting a new password with it. */
function resetForms() {
  const field = (id, labelKey, attrs) => {
    const input = h('input', { id, name: id, ...attrs });
    return { input, el: h('div', { class: 'field' }, h('label', { for: id }, t(labelKey)), input, h('ul', { class: 'errors', id: `${id}-errors` })) };
  };
  const email = field('reset-email', 'reset.email', { type: 'email', autocomplete: 'email' });
  const token = field('reset-token', 'reset.token', { autocomplete: 'off' });
  const password = field('reset-password', 'reset.new_password', { type: 'password', autocomplete: 'new-password' });
  const status = h('p', { role: 'status', class: 'muted' });
  const ask = h('form', { id: 'reset-ask', novalidate: true }, email.el, h('button', { type: 'submit' }, t('reset.send')));
  const confirm = h('form', { id: 'reset-confirm', novalidate: true }, h('p', { class: 'help' }, t('reset.have_token')), token.el, password.el,
    h('button', { type: 'submit', class: 'primary' }, t('reset.set')));
  const errors = (fields, body) => {
    for (const [key, f] of Object.entries(fields)) {
      const list = f.el.querySelector('.errors');
      list.replaceChildren(...[].concat(body[key] || []).map((m) => h('li', {}, m)));
    }
    // A refusal of no field (throttled, not found …) is said too.
    const other = Object.entries(body).filter(([k]) => !(k in fields) && k !== 'code').flatMap(([, m]) => m);
    if (other.length) status.textContent = other.join(' ');
  };
  ask.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('POST', 'auth/password/reset/', { email: email.input.value.trim() });
      status.textContent = t('reset.sent');
      errors({ email }, {});
    } catch (error) {
      status.textContent = '';
      errors({ email }, error.body || { detail: error.message });
    }
  });
  confirm.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api('POST', 'auth/password/reset/confirm/', { token: token.input.value.trim(), new_password: password.input.value });
      status.textContent = t('reset.done');
      errors({ token, new_password: password }, {});
      confirm.reset();
    } catch (error) {
      status.textContent = '';
      errors({ token, new_password: password }, error.body || { detail: error.message });
    }
  });
  return [status, ask, confirm];
}
