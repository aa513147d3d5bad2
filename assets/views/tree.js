// A tree model as an expandable tree: children load when a node opens; a node moves under
// another parent chosen with a picker, and a refused move (a cycle) says why beside it.

import { h, replace, button, uid } from '../dom.js';
import { api, ApiError, query } from '../api.js';
import { t, label, modelLabel } from '../i18n.js';
import { display, picker } from '../fields.js';

export async function treeView(app, main, model) {
  const title = modelLabel(model, true);
  document.title = `${title} · Plinth`;
  const parent = model.tree.parent;
  const roots = await api('GET', `${model.plural}/${query({ filter: JSON.stringify({ field: parent, op: 'isnull', value: true }), page_size: 1000 })}`);
  let nodes = roots.results;
  if (!nodes.length) {
    // A member sees the top of their own part of the tree: the rows whose parent they cannot see.
    const visible = (await api('GET', `${model.plural}/${query({ page_size: 1000 })}`)).results;
    const keys = new Set(visible.map((r) => r[model.key]));
    nodes = visible.filter((r) => !keys.has(r[parent]));
  }
  const tree = h('ul', { role: 'tree', class: 'tree', 'aria-label': title }, nodes.map((r) => node(app, model, r)));
  replace(main, h('div', { class: 'title-row' }, h('h1', {}, title),
    h('a', { href: `#/m/${model.plural}`, class: 'button ghost' }, t('tree.list')),
    model.can?.add ? h('a', { href: `#/m/${model.plural}/new`, class: 'button primary' }, t('list.new')) : null), tree);
  tree.addEventListener('keydown', (event) => keys(event, tree));
  tree.querySelector('[role=treeitem]')?.setAttribute('tabindex', '0');
}

function node(app, model, record) {
  // URLs name a row by its lookup (a category's slug), the tree by its key.
  const key = record[model.lookup || model.key];
  const children = h('ul', { role: 'group', hidden: true });
  const item = h('li', { role: 'treeitem', 'aria-expanded': 'false', tabindex: '-1', dataset: { key } });
  let loaded = false;
  const toggle = button('▸', async () => {
    const open = item.getAttribute('aria-expanded') !== 'true';
    item.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? '▾' : '▸';
    children.hidden = !open;
    if (open && !loaded) {
      loaded = true;
      try {
        const page = await api('GET', `${model.plural}/${encodeURIComponent(key)}/children/${query({ page_size: 200 })}`);
        replace(children, page.results.length ? page.results.map((r) => node(app, model, r)) : h('li', { class: 'muted', role: 'none' }, t('tree.leaf')));
      } catch (error) {
        loaded = false; // opening it again tries again
        status.textContent = error.message;
      }
    }
  }, { class: 'ghost toggle', 'aria-label': t('tree.toggle', { name: display(model, record) }), tabindex: '-1' });
  const status = h('span', { class: 'row-error', role: 'alert' });
  const move = model.can?.change ? button(t('tree.move'), () => moveForm(app, model, record, row, status), { class: 'ghost small', dataset: { move: key } }) : null;
  const row = h('div', { class: 'node' }, toggle, h('a', { href: `#/m/${model.plural}/${encodeURIComponent(key)}`, tabindex: '-1' }, display(model, record)), move, status);
  item.append(row, children);
  return item;
}

function moveForm(app, model, record, row, status) {
  if (row.querySelector('form')) return;
  const id = uid('parent');
  const field = model.fields.find((f) => f.name === model.tree.parent);
  const chosen = picker(app, { model: model.name, plural: model.plural, key: model.key }, field, null, id);
  const form = h('form', { class: 'move row' }, h('label', { for: id }, t('tree.new_parent')), chosen.el,
    h('button', { type: 'submit', class: 'primary small' }, t('tree.move_here')),
    button(t('tree.make_root'), () => submit(null), { class: 'ghost small' }),
    button(t('form.cancel'), () => form.remove(), { class: 'ghost small' }));
  const submit = async (parent) => {
    status.textContent = '';
    try {
      await api('PATCH', `${model.plural}/${encodeURIComponent(record[model.lookup || model.key])}/`, { [model.tree.parent]: parent });
      app.notify(t('tree.moved'));
      app.rerender();
    } catch (error) {
      const body = error instanceof ApiError ? error.body : {};
      const messages = body[model.tree.parent] || body.non_field_errors || [error.message];
      status.textContent = `${label(model.tree.parent)}: ${[].concat(messages).join(' ')}`;
    }
  };
  form.addEventListener('submit', (event) => { event.preventDefault(); submit(chosen.get() ?? null); });
  row.after(form);
  form.querySelector('input')?.focus();
}

/** Arrow keys move between visible nodes, right and left open and close, Enter follows the link. */
function keys(event, tree) {
  const items = [...tree.querySelectorAll('[role=treeitem]')].filter((i) => i.offsetParent !== null);
  const current = event.target.closest('[role=treeitem]');
  if (!current || event.target.matches('input,select,textarea') || event.target.closest('form')) return;
  const index = items.indexOf(current);
  const focus = (item) => { if (!item) return; items.forEach((i) => i.setAttribute('tabindex', '-1')); item.setAttribute('tabindex', '0'); item.focus(); };
  const open = current.getAttribute('aria-expanded') === 'true';
  const toggle = current.querySelector(':scope > .node > .toggle');
  if (event.key === 'ArrowDown') focus(items[index + 1]);
  else if (event.key === 'ArrowUp') focus(items[index - 1]);
  else if (event.key === 'ArrowRight' && !open) toggle?.click();
  else if (event.key === 'ArrowLeft' && open) toggle?.click();
  else if (event.key === 'Enter' && event.target === current) current.querySelector(':scope > .node > a')?.click();
  else return;
  event.preventDefault();
}
