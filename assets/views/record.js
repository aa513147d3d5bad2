// One record: the form to create or edit it (nested lists inline, errors beside their fields),
// delete (with the reason a protected record stays), the model's actions and the history.

import { h, replace, button } from '../dom.js';
import { api, ApiError, query } from '../api.js';
import { t, label, modelLabel } from '../i18n.js';
import { display, objectForm, formatDateTime, cellText } from '../fields.js';
import { actions } from './actions.js';

export async function recordView(app, main, model, key) {
  const creating = key === null;
  const record = creating ? {} : await api('GET', `${model.plural}/${encodeURIComponent(key)}/`);
  if (creating && app.organization() && model.fields.some((f) => f.name === 'organization' && !f.read_only)) {
    record.organization = app.organization();
  }
  const name = creating ? t('record.new', { model: modelLabel(model) }) : display(model, record);
  document.title = `${name} · Plinth`;
  const writable = creating ? model.can?.add : model.can?.change;
  const form = objectForm(app, model, record, { creating });
  const save = h('button', { type: 'submit', class: 'primary', id: 'save', disabled: !writable }, creating ? t('record.create') : t('record.save'));
  const element = h('form', { id: 'record-form', class: 'record card', novalidate: true }, form.el,
    h('div', { class: 'row actions' }, writable ? save : null,
      h('a', { href: `#/m/${model.plural}`, class: 'button ghost' }, t('record.back')),
      !creating && model.can?.delete ? button(t('record.delete'), () => remove(app, model, key, form), { class: 'danger', id: 'delete' }) : null));
  if (!writable) form.el.querySelectorAll('input,select,textarea,button').forEach((el) => { el.disabled = true; });
  // Errors beside their fields, and the focus on the first field refused.
  const refused = (errors) => {
    form.setErrors(errors);
    element.querySelector('.invalid input, .invalid select, .invalid textarea')?.focus();
  };
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    let body;
    try {
      body = form.get();
    } catch (error) {
      refused({ [error.field || 'non_field_errors']: [error.message] });
      return;
    }
    save.disabled = true;
    try {
      const saved = creating
        ? await api('POST', model.plural + '/', body)
        : await api('PATCH', `${model.plural}/${encodeURIComponent(key)}/`, body);
      app.notify(creating ? t('record.created') : t('record.saved'));
      const savedKey = saved[model.lookup || model.key];
      if (creating || String(savedKey) !== String(key)) app.go(`#/m/${model.plural}/${encodeURIComponent(savedKey)}`);
      else app.rerender();
    } catch (error) {
      refused(error instanceof ApiError && error.status === 400 ? error.body : { non_field_errors: [error.message] });
    } finally {
      save.disabled = false;
    }
  });
  const sections = [h('h1', {}, name), element];
  if (!creating) {
    sections.push(actions(app, model, key));
    sections.push(h('section', { id: 'history', class: 'card' }, h('h2', {}, t('history.title')), h('p', { class: 'muted' }, t('list.loading'))));
  }
  replace(main, sections);
  if (creating) form.focus();
  if (!creating) trail(app, model, key, main.querySelector('#history'));
}

async function remove(app, model, key, form) {
  if (!window.confirm(t('record.confirm_delete'))) return;
  try {
    await api('DELETE', `${model.plural}/${encodeURIComponent(key)}/`);
    app.notify(t('record.deleted'));
    app.go(`#/m/${model.plural}`);
  } catch (error) {
    form.setErrors({ non_field_errors: [error.status === 409 ? t('record.protected', { reason: error.message }) : error.message] });
  }
}

/** Who changed what and when, from the audit trail (for those who may read it). */
async function trail(app, model, key, section) {
  if (!app.model('auditlog')?.can?.view) {
    section.remove();
    return;
  }
  try {
    const page = await api('GET', `audit-logs/${query({ model: model.name, object_id: key, ordering: '-created_at', page_size: 50 })}`);
    const entries = page.results.map((e) => h('li', { class: 'entry' },
      h('div', {}, h('strong', {}, t(`audit.${e.action}`, {}, e.action)), ' · ', e.username || t('history.system'), ' · ',
        h('time', { datetime: e.created_at }, formatDateTime(e.created_at)), e.context?.origin ? ` · ${e.context.origin}` : ''),
      changes(app, model, e.changes)));
    replace(section, h('h2', {}, t('history.title')), entries.length ? h('ol', { class: 'history' }, entries) : h('p', { class: 'muted' }, t('history.empty')));
  } catch (error) {
    replace(section, h('h2', {}, t('history.title')), h('p', { class: 'muted' }, error.message));
  }
}

function changes(app, model, diff) {
  if (!diff || typeof diff !== 'object') return null;
  const shown = (field, value) => {
    if (value === null || value === undefined) return '∅';
    const meta = model.fields.find((f) => f.name === field);
    if (meta && !['children', 'json'].includes(meta.type)) return cellText(app, model, meta, { [field]: value }) || '""';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  };
  return h('table', { class: 'changes' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('history.field')),
    h('th', { scope: 'col' }, t('history.old')), h('th', { scope: 'col' }, t('history.new')))),
  h('tbody', {}, Object.entries(diff).map(([field, change]) => h('tr', {}, h('th', { scope: 'row' }, label(field)),
    h('td', {}, shown(field, change?.old)), h('td', {}, shown(field, change?.new))))));
}
