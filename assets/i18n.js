// UI strings from a catalog per language (strings/en.js, strings/de.js); the profile's
// language picks one, English fills what a catalog lacks.

import en from './strings/en.js';

const catalogs = { en };
let current = en;

/** Loads the catalog for `language` (`de`, `de-AT` …); unknown languages keep English. */
export async function setLanguage(language) {
  const code = String(language || 'en').slice(0, 2).toLowerCase();
  if (!catalogs[code] && code === 'de') catalogs.de = (await import('./strings/de.js')).default;
  current = catalogs[code] || en;
  document.documentElement.lang = catalogs[code] ? code : 'en';
}

/** The string for `key` with `{name}` placeholders filled from `vars`; else `fallback`, else the key. */
export function t(key, vars = {}, fallback) {
  const text = current[key] ?? en[key] ?? fallback ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? ''));
}

/** A field's label: the catalog's `field.<name>`, else the name made readable. */
export function label(name) {
  const readable = String(name).replace(/^custom_fields\./, '').replace(/__|\./g, ' › ').replace(/_/g, ' ');
  return t(`field.${name}`, {}, readable.charAt(0).toUpperCase() + readable.slice(1));
}

/** A model's name for people: singular (`Contact`) or plural (`Contacts`, from its URL segment). */
export function modelLabel(model, plural = false) {
  if (!plural) return t(`model.${model.name}`, {}, model.label);
  const readable = model.plural.replace(/[-_]/g, ' ');
  return t(`models.${model.name}`, {}, readable.charAt(0).toUpperCase() + readable.slice(1));
}
