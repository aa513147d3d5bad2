// A model's actions (`children/`, `uoms/convert/` …): a button each, with inputs for the
// parameters it reads; a page of records answers as links, anything else as JSON.

import { h, replace, uid } from '../dom.js';
import { api, query } from '../api.js';
import { t, label } from '../i18n.js';
import { display } from '../fields.js';

/** The actions of `model` on the record `key` (detail actions) or on the model (`key` null). */
export function actions(app, model, key) {
  const available = model.actions.filter((a) => a.detail === (key !== null));
  if (!available.length) return null;
  const out = h('div', { class: 'action-result', 'aria-live': 'polite' });
  return h('section', { class: 'card', id: 'actions' }, h('h2', {}, t('actions.title')),
    available.map((action) => actionForm(app, model, key, action, out)), out);
}

function actionForm(app, model, key, action, out) {
  const inputs = (action.params || []).map((name) => {
    const id = uid(name);
    const input = h('input', { id, name, type: name === 'password' ? 'password' : 'text', autocomplete: 'off' });
    return { name, input, el: h('span', { class: 'field inline' }, h('label', { for: id }, label(name)), input) };
  });
  const title = t(`action.${action.name}`, {}, action.summary || label(action.name));
  const form = h('form', { class: 'row action', dataset: { action: action.name } }, inputs.map((i) => i.el),
    h('button', { type: 'submit', class: action.method === 'GET' ? 'ghost' : 'primary' }, title));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const params = Object.fromEntries(inputs.map((i) => [i.name, i.input.value.trim()]).filter(([, value]) => value !== ''));
    const base = key === null ? `${model.plural}/${action.name}/` : `${model.plural}/${encodeURIComponent(key)}/${action.name}/`;
    try {
      if (action.method !== 'GET' && !window.confirm(title)) return;
      const result = action.method === 'GET' ? await api('GET', base + query(params)) : await api(action.method, base, params);
      show(app, model, out, result);
    } catch (error) {
      const body = error.body || {};
      const text = body.detail || Object.entries(body).filter(([k]) => k !== 'code').map(([k, v]) => `${label(k)}: ${[].concat(v).join(' ')}`).join('; ');
      replace(out, h('p', { role: 'alert', class: 'alert' }, text || error.message));
    }
  });
  return form;
}

function show(app, model, out, result) {
  if (result && Array.isArray(result.results)) {
    replace(out, h('p', { class: 'muted' }, t('list.count', { count: result.count, page: 1, pages: Math.max(1, Math.ceil(result.count / 50)) })),
      h('ul', {}, result.results.map((r) => h('li', {}, h('a', { href: `#/m/${model.plural}/${encodeURIComponent(r[model.lookup || model.key])}` }, display(model, r))))));
  } else {
    replace(out, h('dl', { class: 'result' }, Object.entries(result || {}).map(([k, v]) => [h('dt', {}, label(k)),
      h('dd', {}, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))])));
  }
}
