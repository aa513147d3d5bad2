// The advanced filter builder: nested and / or groups of conditions (each may be negated),
// producing the `?filter=` JSON of the API.

import { h, button, uid } from '../dom.js';
import { t, label } from '../i18n.js';

const OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'icontains', 'startswith', 'istartswith', 'endswith',
  'iendswith', 'in', 'notin', 'isnull'];

/** The fields a model's filters may name: `{ name, type }` each (custom fields and tags included). */
export function filterFields(model) {
  const byName = new Map(model.fields.map((f) => [f.name, f]));
  const fields = model.filter_fields.map((name) => ({ name, type: byName.get(name.split(/__|\./)[0])?.type || 'text' }));
  for (const d of model.custom_fields || []) fields.push({ name: `custom_fields.${d.key}`, type: d.type, label: d.label, choices: d.choices });
  return fields;
}

/** Turns the text of a value input into the JSON value `op` compares `field` with. */
function typed(field, op, text) {
  if (op === 'isnull') return text !== 'false';
  if (op === 'in' || op === 'notin') return text.split(',').map((s) => s.trim()).filter(Boolean).map((v) => typed(field, 'eq', v));
  if (field.type === 'boolean') return text === 'true';
  if (field.type === 'integer' || field.type === 'number') return text === '' ? null : Number(text);
  return text;
}

/** The text a value input shows for a JSON value. */
export function untyped(value) {
  if (Array.isArray(value)) return value.join(', ');
  return value === null || value === undefined ? '' : String(value);
}

/** Builds the editor for `filter` (parsed JSON or null); `apply(json|null)` on submit. */
export function filterBuilder(model, filter, apply) {
  const fields = filterFields(model);
  const parsed = fromJson(filter);
  // A single condition (`?filter={"field": …}`) is shown inside the top group.
  const root = groupNode(fields, parsed.kind === 'group' ? parsed : { kind: 'group', op: 'and', not: false, items: [parsed] }, true);
  const preview = h('pre', { class: 'mono preview' });
  const refresh = () => { preview.textContent = JSON.stringify(root.json()); };
  const form = h('form', { class: 'filter-builder', id: 'filter-builder', 'aria-label': t('filter.advanced') },
    root.el, h('details', {}, h('summary', {}, t('filter.json')), preview),
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'primary' }, t('filter.apply')),
      button(t('filter.clear'), () => apply(null), { class: 'ghost' })));
  form.addEventListener('input', refresh);
  form.addEventListener('change', refresh);
  form.addEventListener('click', () => setTimeout(refresh));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const json = root.json();
    apply(json.and?.length === 0 ? null : json);
  });
  refresh();
  return form;
}

/** `{kind:'group', op, not, items}` or `{kind:'cond', field, op, value, not}` from API JSON. */
function fromJson(node, negated = false) {
  if (!node) return { kind: 'group', op: 'and', not: false, items: [] };
  if (node.not) return fromJson(node.not, !negated);
  if (node.and || node.or) {
    const op = node.and ? 'and' : 'or';
    return { kind: 'group', op, not: negated, items: node[op].map((n) => fromJson(n)) };
  }
  return { kind: 'cond', field: node.field, op: node.op, value: node.value, not: negated };
}

function groupNode(fields, state, isRoot) {
  const items = h('div', { class: 'items' });
  const nodes = [];
  const op = h('select', { 'aria-label': t('filter.combine') },
    ['and', 'or'].map((o) => h('option', { value: o, selected: state.op === o }, t(`filter.${o}`))));
  const notId = uid('not');
  const not = h('input', { type: 'checkbox', id: notId, checked: state.not });
  const el = h('fieldset', { class: 'group' }, h('legend', {}, isRoot ? t('filter.match') : t('filter.group')),
    h('div', { class: 'row' }, op, h('label', { for: notId, class: 'inline' }, not, t('filter.not'))),
    items);
  const add = (node) => {
    nodes.push(node);
    const remove = button('×', () => { nodes.splice(nodes.indexOf(node), 1); wrap.remove(); }, { class: 'ghost', 'aria-label': t('filter.remove') });
    const wrap = h('div', { class: 'item' }, node.el, remove);
    items.append(wrap);
  };
  for (const item of state.items) add(item.kind === 'group' ? groupNode(fields, item, false) : condNode(fields, item));
  el.append(h('div', { class: 'row' },
    button(`+ ${t('filter.add_condition')}`, () => add(condNode(fields, { field: fields[0]?.name, op: 'eq', value: '' })), { class: 'ghost', dataset: { add: 'condition' } }),
    button(`+ ${t('filter.add_group')}`, () => add(groupNode(fields, { op: 'or', not: false, items: [] }, false)), { class: 'ghost', dataset: { add: 'group' } })));
  return {
    el,
    json() {
      const inner = { [op.value]: nodes.map((n) => n.json()) };
      return not.checked ? { not: inner } : inner;
    },
  };
}

function condNode(known, state) {
  // A field the filter names that is not offered (from an edited URL) stays as it is.
  const fields = !state.field || known.some((f) => f.name === state.field) ? known : [...known, { name: state.field, type: 'text' }];
  const field = h('select', { 'aria-label': t('filter.field'), class: 'cond-field' },
    fields.map((f) => h('option', { value: f.name, selected: f.name === state.field }, f.label || label(f.name))));
  const op = h('select', { 'aria-label': t('filter.operator'), class: 'cond-op' },
    OPS.map((o) => h('option', { value: o, selected: o === state.op }, t(`op.${o}`))));
  const value = h('input', { type: 'text', 'aria-label': t('filter.value'), class: 'cond-value', value: untyped(state.value) });
  const notId = uid('not');
  const not = h('input', { type: 'checkbox', id: notId, checked: state.not });
  return {
    el: h('div', { class: 'cond row' }, field, op, value, h('label', { for: notId, class: 'inline' }, not, t('filter.not'))),
    json() {
      const chosen = fields.find((f) => f.name === field.value) || { type: 'text' };
      const cond = { field: field.value, op: op.value, value: typed(chosen, op.value, value.value.trim()) };
      return not.checked ? { not: cond } : cond;
    },
  };
}
