// One input per field kind, and how a value is shown in a table: the form and list views
// build from these, and the model metadata picks which.

import { h, uid, button } from './dom.js';
import { api, query } from './api.js';
import { t, label } from './i18n.js';

const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'pl', 'sv', 'da', 'fi', 'cs', 'ja', 'zh', 'ar', 'tr'];

/** Fills a model's display template (`{first_name} {last_name}`) from a record. */
export function display(model, record) {
  if (!record) return '';
  const template = (model && model.display) || '{id}';
  const text = template.replace(/\{(\w+)\}/g, (_, name) => (record[name] ?? '')).replace(/\s+([,.])/g, '$1').trim();
  return text.replace(/^[,\s]+|[,\s]+$/g, '') || String(record[model?.key || 'id'] ?? '');
}

/** The text a cell shows for `field` of `record`. */
export function cellText(app, model, field, record) {
  const value = record[field.name];
  if (value === null || value === undefined || value === '') return '';
  switch (field.type) {
    case 'boolean': return value ? t('yes') : t('no');
    case 'datetime': return formatDateTime(value);
    case 'tags': return value.join(', ');
    case 'children': return String(value.length);
    case 'json': return JSON.stringify(value);
    case 'object': {
      const via = model.fields.find((f) => f.name === field.details?.via);
      return display(app.model(via?.target?.model), value);
    }
    case 'choice': return t(`choice.${value}`, {}, humanize(value));
    case 'foreign_key': {
      const lookup = model.fields.find((f) => f.lookup && f.lookup.via === field.name);
      if (lookup && record[lookup.name]) return record[lookup.name];
      if (typeof value === 'object') return display(app.model(field.target.model), value);
      return String(value);
    }
    default: return String(value);
  }
}

export function humanize(name) {
  const text = String(name).replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function formatDateTime(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

/** Whether a form offers `field` as an input (else it is shown read-only or not at all). */
export function editable(field, creating) {
  if (field.read_only || field.lookup) return false;
  if (field.create_only && !creating) return false;
  return true;
}

/**
 * A labelled input for `field` holding `value`: `{ el, get(), setErrors(errors), focus() }`.
 * `get()` answers the value to send (or `undefined` to leave the field out).
 */
export function fieldInput(app, model, field, value, opts = {}) {
  const id = uid(field.name);
  const control = controlFor(app, model, field, value, id, opts);
  const errors = h('ul', { class: 'errors', id: `${id}-errors`, 'aria-live': 'polite' });
  const help = field.help ? h('p', { class: 'help', id: `${id}-help` }, field.help) : null;
  // A password is asked for on create only; on update an empty one is left out.
  const needed = field.required && !(field.type === 'password' && opts.creating === false);
  // The field's own inputs (a group's nested inputs describe themselves).
  const own = control.group ? [] : control.el.matches('input,select,textarea') ? [control.el] : [...control.el.querySelectorAll('input,select,textarea')];
  for (const input of own) {
    input.setAttribute('aria-describedby', [help && `${id}-help`, `${id}-errors`].filter(Boolean).join(' '));
    if (needed) input.setAttribute('aria-required', 'true');
  }
  const text = opts.label || label(field.name);
  const required = needed ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null;
  const wrap = control.group
    ? h('fieldset', { class: `field kind-${field.type}`, dataset: { field: field.name } }, h('legend', {}, text, required), control.el, help, errors)
    : h('div', { class: `field kind-${field.type}`, dataset: { field: field.name } },
      h('label', { for: id }, text, required), control.el, help, errors);
  return {
    el: wrap,
    get: control.get,
    focus: () => (wrap.querySelector('input,select,textarea') || wrap).focus(),
    setErrors(messages) {
      // Errors of a group's parts (`{country: [..]}`, `[{}, {email: [..]}]`) go to those parts.
      const nested = messages && typeof messages === 'object' && (!Array.isArray(messages) || messages.some((m) => m && typeof m === 'object'));
      const list = nested && control.setErrors ? [] : [].concat(messages ?? []);
      errors.replaceChildren(...list.map((m) => h('li', {}, typeof m === 'string' ? m : JSON.stringify(m))));
      wrap.classList.toggle('invalid', list.length > 0);
      for (const input of own) {
        if (list.length) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
      }
      if (control.setErrors) control.setErrors(nested ? messages : null);
    },
  };
}

function controlFor(app, model, field, value, id, opts) {
  switch (field.type) {
    case 'longtext': return simple(h('textarea', { id, rows: 4, value: value ?? '' }), (el) => el.value);
    case 'integer': return simple(h('input', { id, type: 'number', step: 1, value: value ?? '' }),
      (el) => (el.value === '' ? (field.nullable ? null : undefined) : Number(el.value)));
    case 'number': return simple(h('input', { id, type: 'number', step: 'any', value: value ?? '' }),
      (el) => (el.value === '' ? undefined : Number(el.value)));
    case 'decimal': return simple(h('input', { id, type: 'text', inputmode: 'decimal', value: value ?? '', autocomplete: 'off' }),
      (el) => (el.value === '' ? (field.nullable ? null : undefined) : el.value.trim()));
    case 'date': return simple(h('input', { id, type: 'date', value: value ?? '' }), (el) => (el.value || (field.nullable ? null : undefined)));
    case 'datetime': return simple(h('input', { id, type: 'datetime-local', value: toLocalInput(value) }), (el) => {
      if (!el.value) return field.nullable ? null : undefined;
      // The input shows minutes: an unchanged value is sent as it was, seconds and all.
      return value && el.value === toLocalInput(value) ? value : new Date(el.value).toISOString();
    });
    case 'boolean': return opts.tristate ? choiceControl({ ...field, choices: ['true', 'false'] }, value ?? undefined, id, (v) => v === 'true')
      : simple(h('input', { id, type: 'checkbox', checked: Boolean(value ?? field.default) }), (el) => el.checked);
    case 'choice': return choiceControl(field, value, id);
    case 'color': {
      // A colour input cannot be empty: one never touched leaves the field as it was.
      let touched = false;
      const input = h('input', { id, type: 'color', value: value || '#000000', oninput: () => { touched = true; } });
      return simple(input, (el) => (touched || value ? el.value : undefined));
    }
    case 'password': return simple(h('input', { id, type: 'password', autocomplete: 'new-password' }), (el) => el.value || undefined);
    case 'email': return simple(h('input', { id, type: 'email', value: value ?? '', autocomplete: 'off' }), (el) => el.value.trim());
    case 'phone': return simple(h('input', { id, type: 'tel', value: value ?? '', placeholder: '+4930123456' }), (el) => el.value.trim());
    case 'json': return jsonControl(field, value, id);
    case 'tags': return simple(h('input', { id, type: 'text', value: (value || []).join(', '), placeholder: t('tags.placeholder') }),
      (el) => el.value.split(',').map((s) => s.trim()).filter(Boolean));
    case 'language': {
      const list = uid('languages');
      const input = h('input', { id, type: 'text', value: value ?? '', list, autocomplete: 'off' });
      return { el: h('span', { class: 'control' }, input, h('datalist', { id: list }, LANGUAGES.map((l) => h('option', { value: l })))),
        get: () => input.value.trim() };
    }
    case 'country': return picker(app, { model: 'country', plural: 'countries', key: 'code' }, field, value, id);
    case 'timezone': return picker(app, { model: 'timezone', plural: 'timezones', key: 'code' }, field, value, id);
    case 'foreign_key': {
      if (field.target.inline) return inlineObject(app, field, value);
      const target = app.model(field.target.model);
      const lookup = model.fields.find((f) => f.lookup && f.lookup.via === field.name);
      const shown = opts.record && lookup ? opts.record[lookup.name] : null;
      return picker(app, { model: field.target.model, plural: target?.plural, key: target?.key || 'id' }, field, value, id, shown);
    }
    case 'children': return childList(app, field, value || []);
    default: {
      const attrs = { id, type: 'text', value: value ?? '', autocomplete: 'off' };
      if (field.max_length) attrs.maxlength = field.max_length;
      // Left empty, a null stays null rather than becoming "".
      return simple(h('input', attrs), (el) => (el.value === '' && field.nullable && value == null ? null : el.value));
    }
  }
}

function simple(el, read) {
  return { el, get: () => read(el) };
}

function toLocalInput(value) {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A select of `field.choices`; `cast` turns the chosen text into the value sent. */
function choiceControl(field, value, id, cast = (v) => v) {
  const current = String(value ?? field.default ?? '');
  const text = (c) => (c === 'true' || c === 'false' ? t(c === 'true' ? 'yes' : 'no') : t(`choice.${c}`, {}, humanize(c)));
  const options = field.choices.map((c) => h('option', { value: c, selected: c === current }, text(c)));
  const empty = field.nullable || field.blank || !field.default ? h('option', { value: '', selected: current === '' }, '—') : null;
  const select = h('select', { id }, empty, options);
  return { el: select, get: () => (select.value === '' ? (field.nullable ? null : undefined) : cast(select.value)) };
}

function jsonControl(field, value, id) {
  const area = h('textarea', { id, rows: 3, class: 'mono', value: value === undefined ? '' : JSON.stringify(value ?? field.default ?? {}, null, 1) });
  return {
    el: area,
    get() {
      if (area.value.trim() === '') return field.nullable ? null : undefined;
      try { return JSON.parse(area.value); } catch { throw Object.assign(new Error('json'), { field: field.name, message: t('form.bad_json') }); }
    },
  };
}

/**
 * A searchable picker for a row of another model (never a raw id): a combobox that searches
 * the target's list and keeps the chosen key.
 */
export function picker(app, target, field, value, id, shown) {
  let key = value ?? null;
  const targetModel = app.model(target.model);
  const listId = `${id}-list`;
  const input = h('input', { id, type: 'text', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
    'aria-controls': listId, autocomplete: 'off', value: shown || (key ?? ''), placeholder: t('picker.search') });
  const list = h('ul', { id: listId, role: 'listbox', class: 'options', hidden: true });
  let options = [];
  let active = -1;
  let timer = null;
  const close = () => { list.hidden = true; input.setAttribute('aria-expanded', 'false'); input.removeAttribute('aria-activedescendant'); };
  const choose = (option) => {
    key = option ? option.key : null;
    input.value = option ? option.label : '';
    close();
    input.dispatchEvent(new Event('change', { bubbles: true }));
  };
  const highlight = (index) => {
    active = index;
    list.querySelectorAll('li').forEach((li, i) => li.setAttribute('aria-selected', String(i === index)));
    if (options[index]) {
      input.setAttribute('aria-activedescendant', `${listId}-${index}`);
      list.children[index].scrollIntoView?.({ block: 'nearest' });
    }
  };
  let asked = 0;
  const search = async () => {
    if (!target.plural) return;
    // Only the latest search is shown, and only while the input still has the focus.
    const mine = ++asked;
    let found = [];
    try {
      const page = await api('GET', `${target.plural}/${query({ ...(field.target?.limit || {}), search: input.value.trim(), page_size: 20 })}`);
      found = page.results.map((r) => ({ key: r[target.key], label: display(targetModel, r) || r[target.key] }));
    } catch { /* no matches to offer */ }
    if (mine !== asked || document.activeElement !== input) return;
    options = found;
    list.replaceChildren(...options.map((o, i) => h('li', { id: `${listId}-${i}`, role: 'option', 'aria-selected': 'false',
      onmousedown: (e) => { e.preventDefault(); choose(o); } }, o.label)));
    if (!options.length) list.append(h('li', { class: 'none', role: 'option', 'aria-disabled': 'true' }, t('picker.none')));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    highlight(options.length ? 0 : -1);
  };
  let closing = null;
  input.addEventListener('input', () => { key = null; options = []; clearTimeout(timer); timer = setTimeout(search, 150); });
  input.addEventListener('focus', () => { clearTimeout(closing); if (!input.value) search(); });
  input.addEventListener('blur', () => { closing = setTimeout(close, 150); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') { e.preventDefault(); if (list.hidden) search(); else highlight(Math.min(active + 1, options.length - 1)); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); if (!list.hidden) highlight(Math.max(active - 1, 0)); }
    else if (e.key === 'Enter' && !list.hidden) { e.preventDefault(); if (options[active]) choose(options[active]); }
    else if (e.key === 'Escape' && !list.hidden) { e.preventDefault(); e.stopPropagation(); close(); }
  });
  const clear = button('×', () => choose(null), { class: 'ghost clear', 'aria-label': t('picker.clear'), title: t('picker.clear') });
  if (key && !shown && target.plural) {
    api('GET', `${target.plural}/${encodeURIComponent(key)}/`).then((r) => { if (key === value) input.value = display(targetModel, r); }).catch(() => {});
  }
  return {
    el: h('span', { class: 'picker' }, input, clear, list),
    // Empty: null to clear a value, else left out (the server's default applies); typed text
    // that was never chosen is sent as a key, for the server to judge.
    get: () => (key === null && input.value.trim() === '' ? (value == null ? undefined : null) : key ?? (input.value.trim() || null)),
  };
}

/** An object written inline (a foreign key whose target is created or updated with the record). */
function inlineObject(app, field, value) {
  const target = app.model(field.target.model);
  const stored = value && typeof value === 'object' ? value[target.key] : undefined;
  const form = objectForm(app, target, value || {}, { creating: stored === undefined });
  return {
    el: form.el,
    group: true,
    // With its key the stored object is updated in place; without, a new one is created.
    get: () => (stored === undefined ? form.get() : { [target.key]: stored, ...form.get() }),
    setErrors: (errors) => form.setErrors(errors || {}),
  };
}

/** Child rows written with their parent: one sub-form per item, added and removed in place. */
function childList(app, field, items) {
  const child = app.model(field.children.model);
  const body = h('div', { class: 'children' });
  const forms = [];
  const add = (item) => {
    const form = objectForm(app, child, item, { creating: !item.id, skip: [field.children.parent], compact: true });
    const row = h('div', { class: 'child' }, form.el);
    const entry = { form, row, id: item.id };
    // Removed, the row's focus goes to the list's add button rather than being lost.
    row.append(button(t('form.remove'), () => { forms.splice(forms.indexOf(entry), 1); row.remove(); more.focus(); }, { class: 'ghost', 'aria-label': `${t('form.remove')} ${label(field.name)}` }));
    forms.push(entry);
    body.append(row);
    return form;
  };
  items.forEach(add);
  const more = button(`+ ${t('form.add_item')}`, () => add({}).focus(), { class: 'ghost add-item', dataset: { add: field.name } });
  return {
    el: h('div', {}, body, more),
    group: true,
    get: () => forms.map(({ form, id }) => ({ ...(id ? { id } : {}), ...form.get() })),
    setErrors(errors) {
      forms.forEach(({ form }, i) => form.setErrors((Array.isArray(errors) && errors[i]) || {}));
    },
  };
}

/**
 * A form of `model`'s editable fields over `record`: `{ el, get(), setErrors(body), focus() }`.
 * Used for whole records and for nested items and inline objects.
 */
export function objectForm(app, model, record, opts = {}) {
  const creating = opts.creating ?? !record[model.key];
  const inputs = [];
  const readonly = [];
  for (const field of model.fields) {
    if ((opts.skip || []).includes(field.name) || field.name === 'custom_fields') continue;
    if (field.write_only && !creating && field.type !== 'password') continue;
    if (editable(field, creating)) {
      inputs.push(fieldInput(app, model, field, record[field.name] ?? (creating ? defaultOf(field) : undefined), { record, creating }));
    } else if (!creating && !opts.compact && record[field.name] !== undefined && field.type !== 'children') {
      readonly.push(h('div', { class: 'field readonly', dataset: { field: field.name } },
        h('span', { class: 'label' }, label(field.name)), h('output', {}, cellText(app, model, field, record))));
    }
  }
  const custom = (model.custom_fields || []).length ? customFields(model, record.custom_fields || {}) : null;
  const general = h('div', { class: 'form-errors', role: 'alert' });
  const el = h('div', { class: opts.compact ? 'object compact' : 'object' }, general, inputs.map((i) => i.el), custom && custom.el,
    readonly.length ? h('div', { class: 'readonly-fields' }, readonly) : null);
  return {
    el,
    focus: () => inputs[0] && inputs[0].focus(),
    get() {
      const out = {};
      for (const input of inputs) {
        const value = input.get();
        if (value !== undefined) out[input.el.dataset.field] = value;
      }
      if (custom) out.custom_fields = custom.get();
      return out;
    },
    setErrors(body) {
      const errors = body || {};
      general.replaceChildren();
      for (const input of inputs) input.setErrors(errors[input.el.dataset.field]);
      if (custom) custom.setErrors(errors.custom_fields);
      const known = new Set(inputs.map((i) => i.el.dataset.field).concat(custom ? ['custom_fields'] : []));
      const rest = Object.entries(errors).filter(([k]) => !known.has(k));
      for (const [key, messages] of rest) {
        const prefix = key === 'non_field_errors' || key === 'detail' || key === 'code' ? '' : `${label(key)}: `;
        if (key === 'code') continue;
        for (const m of [].concat(messages)) general.append(h('p', {}, prefix + (typeof m === 'string' ? m : JSON.stringify(m))));
      }
    },
  };
}

function defaultOf(field) {
  return field.default === null ? undefined : field.default;
}

/** Inputs for the custom fields a model's definitions declare. */
function customFields(model, values) {
  const inputs = model.custom_fields.map((d) => {
    const type = ['number', 'decimal', 'date', 'boolean', 'choice'].includes(d.type) ? d.type : 'text';
    const field = { name: d.key, type, required: d.required, nullable: !d.required, choices: d.choices || [],
      help: d.help_text || '', default: d.default ?? null };
    // An optional yes/no may stay unset: a select, not a checkbox that always says no.
    const input = fieldInput(null, model, field, values[d.key] ?? d.default ?? undefined, { label: d.label || d.key, tristate: !d.required });
    return { key: d.key, input };
  });
  // Errors of no input here: a key without a definition, or the object as a whole.
  const errors = h('ul', { class: 'errors' });
  return {
    el: h('fieldset', { class: 'custom-fields' }, h('legend', {}, t('form.custom_fields')), errors, inputs.map((i) => i.input.el)),
    get() {
      const out = {};
      for (const { key, input } of inputs) {
        const value = input.get();
        if (value !== undefined && value !== null && value !== '') out[key] = value;
      }
      return out;
    },
    setErrors(body) {
      const byKey = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
      for (const { key, input } of inputs) input.setErrors(byKey[key]);
      const rest = byKey === body ? Object.entries(byKey).filter(([k]) => !inputs.some((i) => i.key === k)).map(([k, m]) => `${k}: ${[].concat(m).join(' ')}`)
        : [].concat(body ?? []);
      errors.replaceChildren(...rest.map((m) => h('li', {}, String(m))));
    },
  };
}
