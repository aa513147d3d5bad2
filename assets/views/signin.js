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
  root.replaceChildren(h('main', { class: 'center', id: 'main' }, form));
  username.focus();
}
