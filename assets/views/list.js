// A model's list: columns (chosen per user, kept on the server), sorting, search, the filter
// panel and the advanced filter, pages, bulk delete with each refusal shown on its row.

import { h, replace, button, uid } from '../dom.js';
import { api, ApiError, query } from '../api.js';
import { t, label, modelLabel } from '../i18n.js';
import { cellText, picker } from '../fields.js';
import { filterBuilder, filterFields, untyped } from './filter.js';
import { actions } from './actions.js';

const PAGE_SIZES = [25, 50, 100, 200];

/** The list state kept in the hash (`#/m/contacts?page=2&search=…`). */
function listState() {
  return new URLSearchParams(location.hash.split('?')[1] || '');
}

function setState(model, params) {
  const text = [...params.entries()].filter(([, v]) => v !== '').map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  location.hash = `#/m/${model.plural}${text ? `?${text}` : ''}`;
}

export async function listView(app, main, model) {
  const state = listState();
  const title = modelLabel(model, true);
  document.title = `${title} · Plinth`;
  const columns = chosenColumns(app, model);
  const params = Object.fromEntries(state.entries());
  if (model.scope === 'organization' && app.organization() && !params.organization && model.filter_fields.includes('organization')) {
    params.organization = app.organization();
  }
  params.page_size = params.page_size || 50;
  const status = h('p', { class: 'muted', role: 'status' }, t('list.loading'));
  const table = h('div', { class: 'table-wrap' });
  replace(main,
    h('div', { class: 'title-row' }, h('h1', {}, title),
      model.tree ? h('a', { href: `#/t/${model.plural}`, class: 'button ghost' }, t('tree.view')) : null,
      model.can?.add ? h('a', { href: `#/m/${model.plural}/new`, class: 'button primary', id: 'new', 'aria-keyshortcuts': 'n' }, t('list.new')) : null),
    toolbar(app, model, state, columns),
    status, table);
  let page;
  try {
    page = await api('GET', `${model.plural}/${query(params)}`);
  } catch (error) {
    // A page past the last (rows deleted, another organization): the first page instead.
    if (error.status === 404 && state.has('page')) {
      state.delete('page');
      setState(model, state);
      return;
    }
    status.textContent = error instanceof ApiError ? errorText(error) : error.message;
    status.setAttribute('role', 'alert');
    return;
  }
  const size = Number(params.page_size);
  const current = Number(params.page || 1);
  const pages = Math.max(1, Math.ceil(page.count / size));
  status.textContent = t('list.count', { count: page.count, page: current, pages });
  replace(table, grid(app, model, columns, page.results, state));
  table.after(pager(model, state, current, pages, size));
  const tools = actions(app, model, null);
  if (tools) main.append(tools);
}

function errorText(error) {
  const body = error.body || {};
  return body.detail || Object.entries(body).map(([k, v]) => `${label(k)}: ${[].concat(v).join(' ')}`).join('; ') || error.message;
}

/** The columns the user chose for this model, else the definition's. */
function chosenColumns(app, model) {
  const saved = app.profile?.list_settings?.[model.name]?.columns;
  const pick = (names) => names.map((n) => model.fields.find((f) => f.name === n)).filter(Boolean);
  const chosen = pick(saved || []);
  if (chosen.length) return chosen;
  return model.list_columns.length ? pick(model.list_columns) : model.fields.slice(0, 5);
}

function toolbar(app, model, state, columns) {
  const search = model.search_fields.length ? h('input', { type: 'search', id: 'search', value: state.get('search') || '',
    placeholder: t('list.search'), 'aria-label': t('list.search'), 'aria-keyshortcuts': '/' }) : null;
  const searchForm = search ? h('form', { role: 'search', class: 'search', onsubmit: (e) => {
    e.preventDefault();
    state.set('search', search.value.trim());
    state.delete('page');
    setState(model, state);
  } }, search, h('button', { type: 'submit' }, t('list.search_go'))) : null;
  const panels = h('div', { class: 'panels' });
  const toggles = [];
  const toggle = (id, build) => (event) => {
    const open = panels.querySelector(`#${id}`);
    panels.replaceChildren();
    if (!open) panels.append(build());
    for (const b of toggles) b.setAttribute('aria-expanded', String(b === event.currentTarget && !open));
  };
  const panelButton = (text, id, build) => {
    const b = button(text, toggle(id, build), { class: 'ghost', id: `${id}-toggle`, 'aria-expanded': 'false' });
    toggles.push(b);
    return b;
  };
  const filtered = [...state.keys()].some((k) => !['page', 'page_size', 'ordering', 'search'].includes(k));
  return h('div', { class: 'toolbar-wrap' },
    h('div', { class: 'toolbar' }, searchForm,
      panelButton(t('list.filters') + (filtered ? ' •' : ''), 'filters', () => filterPanel(app, model, state)),
      panelButton(t('filter.advanced'), 'advanced', () => h('div', { id: 'advanced' }, filterBuilder(model, parseFilter(state), (json) => {
        if (json) state.set('filter', JSON.stringify(json)); else state.delete('filter');
        state.delete('page');
        setState(model, state);
      }))),
      panelButton(t('list.columns'), 'columns', () => columnChooser(app, model, columns))),
    panels);
}

function parseFilter(state) {
  try { return state.get('filter') ? JSON.parse(state.get('filter')) : null; } catch { return null; }
}

/**
 * A panel of the model's simple filters: choices, booleans, relations, dates as ranges, tags,
 * custom fields. Plain filters are query parameters; ranges and custom fields are conditions
 * of `?filter=`, merged with the advanced filter's other conditions.
 */
function filterPanel(app, model, state) {
  const rows = [];
  const fields = filterFields(model).filter((f) => !f.name.includes('.') || f.name.startsWith('custom_fields.'));
  const byName = new Map(model.fields.map((f) => [f.name, f]));
  const conditions = new Map(); // field name → { ops it writes, read(): its conditions }
  const filter = parseFilter(state);
  const current = filter?.and && !filter.not ? filter.and : filter ? [filter] : [];
  const now = (name, ops) => current.find((c) => c.field === name && ops.includes(c.op))?.value;
  for (const f of fields) {
    const field = byName.get(f.name) || { name: f.name, type: f.type, choices: f.choices };
    const id = uid('filter');
    const text = f.label || label(f.name);
    const custom = f.name.startsWith('custom_fields.');
    let control;
    if (['date', 'datetime'].includes(f.type) || (custom && ['number', 'decimal'].includes(f.type))) {
      const type = ['date', 'datetime'].includes(f.type) ? 'date' : 'text';
      const shown = (v) => (v === undefined ? '' : f.type === 'datetime' ? localDay(v) : String(v));
      const from = h('input', { type, id, value: shown(now(f.name, ['gte'])), 'aria-label': `${text} ${t('filter.from')}` });
      const to = h('input', { type, value: shown(now(f.name, ['lte'])), 'aria-label': `${text} ${t('filter.to')}` });
      const cast = (v, end) => (f.type === 'number' ? Number(v) : f.type === 'datetime' ? dayBound(v, end) : v);
      conditions.set(f.name, { ops: ['gte', 'lte'], read: () => [from.value && { field: f.name, op: 'gte', value: cast(from.value, false) },
        to.value && { field: f.name, op: 'lte', value: cast(to.value, true) }] });
      rows.push(h('div', { class: 'field' }, h('label', { for: id }, text), h('span', { class: 'range' }, from, '–', to)));
      continue;
    }
    const value = custom ? untyped(now(f.name, ['eq'])) : state.get(f.name) || '';
    if (field.type === 'choice') {
      control = h('select', { id }, h('option', { value: '' }, t('filter.any')), field.choices.map((c) => h('option', { value: c, selected: value === c }, t(`choice.${c}`, {}, c))));
    } else if (field.type === 'boolean') {
      control = h('select', { id }, ['', 'true', 'false'].map((v) => h('option', { value: v, selected: value === v }, v ? t(v === 'true' ? 'yes' : 'no') : t('filter.any'))));
    } else if (field.type === 'foreign_key') {
      const target = app.model(field.target.model);
      const chosen = picker(app, { model: field.target.model, plural: target?.plural, key: target?.key || 'id' }, field, value || null, id);
      const row = h('div', { class: 'field' }, h('label', { for: id }, text), chosen.el);
      row.read = () => chosen.get() || '';
      row.name = f.name;
      rows.push(row);
      continue;
    } else {
      control = h('input', { id, type: 'text', value, placeholder: f.type === 'tags' ? t('tags.placeholder') : '' });
    }
    rows.push(h('div', { class: 'field' }, h('label', { for: id }, text), control));
    if (custom) {
      conditions.set(f.name, { ops: ['eq'], read: () => [control.value && { field: f.name, op: 'eq', value: f.type === 'boolean' ? control.value === 'true' : control.value }] });
    } else {
      rows[rows.length - 1].read = () => control.value;
      rows[rows.length - 1].name = f.name;
    }
  }
  const keep = (names) => new URLSearchParams([...state.entries()].filter(([k]) => names.includes(k)));
  const form = h('form', { id: 'filters', class: 'filters card' }, rows,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, t('filter.apply')),
      button(t('filter.clear'), () => setState(model, keep(['ordering', 'search', 'page_size'])), { class: 'ghost' })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const row of rows) if (row.read) { if (row.read()) state.set(row.name, row.read()); else state.delete(row.name); }
    // The panel's conditions replace those on its fields; the advanced filter's others stay.
    const others = current.filter((c) => !conditions.get(c.field)?.ops.includes(c.op));
    const panel = [...conditions.values()].flatMap(({ read }) => read().filter(Boolean));
    const all = others.concat(panel);
    if (!all.length) state.delete('filter');
    else if (panel.length || others.length < current.length) state.set('filter', JSON.stringify({ and: all }));
    state.delete('page');
    setState(model, state);
  });
  return form;
}

/** The first or last moment of the local day `date` (`YYYY-MM-DD`), as RFC 3339. */
function dayBound(date, end) {
  return new Date(`${date}T${end ? '23:59:59.999' : '00:00:00'}`).toISOString();
}

/** The local day (`YYYY-MM-DD`) of an RFC 3339 moment. */
function localDay(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return [date.getFullYear(), date.getMonth() + 1, date.getDate()].map((n) => String(n).padStart(2, '0')).join('-');
}

function columnChooser(app, model, columns) {
  const chosen = new Set(columns.map((c) => c.name));
  const boxes = model.fields.filter((f) => !f.write_only && f.type !== 'children' && f.type !== 'json').map((f) => {
    const id = uid('col');
    const box = h('input', { type: 'checkbox', id, value: f.name, checked: chosen.has(f.name) });
    return h('label', { for: id, class: 'inline' }, box, label(f.name));
  });
  const form = h('form', { id: 'columns', class: 'card columns' }, h('fieldset', {}, h('legend', {}, t('list.columns')), boxes),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, t('list.save_columns')),
      button(t('list.reset_columns'), async () => { await app.saveListSettings(model.name, {}); app.rerender(); }, { class: 'ghost' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const names = [...form.querySelectorAll('input:checked')].map((b) => b.value);
    await app.saveListSettings(model.name, { columns: names });
    app.notify(t('list.columns_saved'));
    app.rerender();
  });
  return form;
}

function grid(app, model, columns, rows, state) {
  const ordering = state.get('ordering') || '';
  const selectAll = h('input', { type: 'checkbox', 'aria-label': t('list.select_all') });
  const head = h('tr', {}, model.can?.delete ? h('th', { class: 'check' }, selectAll) : null,
    columns.map((c) => {
      if (!model.ordering_fields.includes(c.name)) return h('th', { scope: 'col' }, label(c.name));
      const direction = ordering === c.name ? 'ascending' : ordering === `-${c.name}` ? 'descending' : 'none';
      const next = direction === 'ascending' ? `-${c.name}` : c.name;
      return h('th', { scope: 'col', 'aria-sort': direction },
        button([label(c.name), direction === 'ascending' ? ' ▲' : direction === 'descending' ? ' ▼' : ''], () => {
          state.set('ordering', next);
          setState(model, state);
        }, { class: 'sort', dataset: { sort: c.name } }));
    }));
  const body = h('tbody', {}, rows.map((record) => {
    const key = record[model.lookup || model.key];
    const href = `#/m/${model.plural}/${encodeURIComponent(key)}`;
    return h('tr', { dataset: { key } },
      model.can?.delete ? h('td', { class: 'check' }, h('input', { type: 'checkbox', value: key, 'aria-label': t('list.select', { name: key }) })) : null,
      columns.map((c, i) => h('td', {}, i === 0 ? h('a', { href }, cellText(app, model, c, record) || key) : cellText(app, model, c, record))));
  }));
  selectAll.addEventListener('change', () => body.querySelectorAll('td.check input').forEach((b) => { b.checked = selectAll.checked; }));
  const results = h('div', { class: 'bulk-results', role: 'status' });
  const bulk = model.can?.delete ? h('div', { class: 'row bulk' },
    button(t('list.delete_selected'), () => bulkDelete(app, model, body, results), { class: 'danger', id: 'bulk-delete' }), results) : null;
  if (!rows.length) return h('p', { class: 'empty' }, t('list.empty'));
  return [h('table', { class: 'grid' }, h('caption', { class: 'sr-only' }, modelLabel(model, true)), h('thead', {}, head), body), bulk];
}

async function bulkDelete(app, model, body, results) {
  const keys = [...body.querySelectorAll('td.check input:checked')].map((b) => b.value);
  if (!keys.length) { app.notify(t('list.nothing_selected')); return; }
  if (!window.confirm(t('list.confirm_delete', { count: keys.length }))) return;
  results.replaceChildren();
  let deleted = 0;
  for (const key of keys) {
    const row = body.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
    try {
      await api('DELETE', `${model.plural}/${encodeURIComponent(key)}/`);
      deleted += 1;
      row?.classList.add('deleted');
    } catch (error) {
      const text = error instanceof ApiError ? errorText(error) : error.message;
      row?.classList.add('refused');
      const cell = row?.lastElementChild;
      cell?.append(h('span', { class: 'row-error', role: 'alert' }, text));
    }
  }
  results.textContent = t('list.deleted', { count: deleted, refused: keys.length - deleted });
}

function pager(model, state, current, pages, size) {
  const go = (page) => () => { state.set('page', String(page)); setState(model, state); };
  const sizeId = uid('size');
  const sizes = h('select', { id: sizeId, onchange: (e) => { state.set('page_size', e.target.value); state.delete('page'); setState(model, state); } },
    PAGE_SIZES.map((s) => h('option', { value: s, selected: s === size }, String(s))));
  return h('nav', { class: 'pager row', 'aria-label': t('list.pages') },
    button(t('list.previous'), go(current - 1), { disabled: current <= 1, id: 'previous' }),
    h('span', {}, t('list.page', { page: current, pages })),
    button(t('list.next'), go(current + 1), { disabled: current >= pages, id: 'next' }),
    h('label', { for: sizeId, class: 'inline' }, t('list.page_size'), sizes));
}
