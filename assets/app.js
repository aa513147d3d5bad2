// The admin pages: signs in (session cookie), loads the model metadata once and renders every
// view from it — navigation, lists, forms, trees, history — behind a hash router.

import { h, replace, button } from './dom.js';
import { api, ApiError, setCsrf } from './api.js';
import { t, setLanguage, modelLabel } from './i18n.js';
import { signInView } from './views/signin.js';
import { listView } from './views/list.js';
import { recordView } from './views/record.js';
import { treeView } from './views/tree.js';
import { accountView } from './views/account.js';
import { helpSheet, bindShortcuts } from './views/help.js';

/** The order areas are listed in; an area the metadata names besides these follows them. */
const AREAS = ['contacts', 'catalog', 'inventory', 'organization', 'configuration', 'reference', 'administration'];
const ORG_KEY = 'plinth.organization';

const root = document.getElementById('app');

/** What every view gets: the metadata, the user, navigation and messages. */
const app = {
  user: null,
  meta: [],
  profile: null,
  organizations: [],
  model(name) { return this.meta.find((m) => m.name === name); },
  byPlural(plural) { return this.meta.find((m) => m.plural === plural && !m.nested); },
  go(hash) { if (location.hash === hash) route(); else location.hash = hash; },
  /** The organization chosen in the switcher: one of the user's, else none (all). */
  organization() {
    const id = localStorage.getItem(ORG_KEY) || '';
    return this.organizations.some((o) => o.id === id) ? id : '';
  },
  notify(text) {
    const note = h('div', { class: 'toast' }, text);
    document.getElementById('toasts')?.append(note);
    setTimeout(() => note.remove(), 5000);
  },
  async saveListSettings(model, settings) {
    const all = { ...(this.profile?.list_settings || {}), [model]: settings };
    this.profile = await api('PATCH', 'profiles/me/', { list_settings: all });
  },
  signOut,
  rerender: () => route(),
};

async function boot() {
  try {
    const session = await api('GET', 'auth/session/');
    setCsrf(session.csrf_token);
    await start(session.user);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signIn();
    else failed(error);
  }
}

function signIn() {
  history.replaceState(null, '', location.pathname + location.hash);
  signInView(root, (session) => start(session.user).catch(failed));
}

function failed(error) {
  replace(root, h('main', { class: 'center' }, h('p', { role: 'alert' }, error.message)));
}

async function start(user) {
  app.user = user;
  const [meta, profile] = await Promise.all([api('GET', 'meta/models/'), api('GET', 'profiles/me/').catch(() => null)]);
  app.meta = meta.models;
  app.profile = profile;
  await setLanguage(profile?.language || navigator.language);
  const organizations = app.model('organization')?.can?.view ? await api('GET', 'organizations/?page_size=200').catch(() => null) : null;
  app.organizations = organizations ? organizations.results : [];
  shell();
  route();
}

async function signOut() {
  try { await api('DELETE', 'auth/session/'); } catch { /* the cookie is gone either way */ }
  setCsrf('');
  app.user = null;
  location.hash = '';
  signIn();
}

/** The business areas with the models the user may view in each, as headed lists of links. */
function areas(props = {}) {
  const named = [...new Set([...AREAS, ...app.meta.map((m) => m.area)])];
  return named.map((area) => {
    const models = app.meta.filter((m) => m.area === area && !m.nested && m.can?.view);
    return models.length ? h('section', props, h('h2', {}, t(`area.${area}`, {}, area.charAt(0).toUpperCase() + area.slice(1))),
      h('ul', {}, models.map((m) => h('li', {}, h('a', { href: `#/m/${m.plural}`, dataset: { model: m.name } }, modelLabel(m, true)))))) : null;
  });
}

function shell() {
  const nav = h('nav', { id: 'nav', 'aria-label': t('nav.label') }, areas());
  const orgSelect = app.organizations.length > 1
    ? h('select', { id: 'org-switch', 'aria-label': t('org.switch'), onchange: (e) => { localStorage.setItem(ORG_KEY, e.target.value); switched(); } },
      h('option', { value: '' }, t('org.all')),
      app.organizations.map((o) => h('option', { value: o.id, selected: o.id === app.organization() }, o.name)))
    : app.organizations.length === 1 ? h('span', { class: 'org', id: 'org-indicator' }, app.organizations[0].name) : null;
  const header = h('header', { class: 'top' },
    h('a', { href: '#/', class: 'brand' }, 'Plinth'),
    button('☰', () => document.body.classList.toggle('nav-open'), { class: 'ghost menu', 'aria-label': t('nav.toggle'), 'aria-controls': 'nav' }),
    h('div', { class: 'spacer' }),
    orgSelect,
    h('a', { href: '#/account', id: 'account-link' }, app.user.username),
    button(t('signout'), signOut, { id: 'signout', class: 'ghost' }),
    button('?', () => helpSheet(), { class: 'ghost', 'aria-label': t('help.title'), title: t('help.title') }));
  // The skip link moves the focus; following `#main` would be a route.
  const skip = h('a', { href: '#main', class: 'skip', onclick: (e) => { e.preventDefault(); document.getElementById('main')?.focus(); } }, t('skip'));
  replace(root, skip, header,
    h('div', { class: 'layout' }, nav, h('main', { id: 'main', tabindex: '-1' })),
    h('div', { id: 'toasts', class: 'toasts', role: 'status' }));
}

/** After the organization changed: the view again, from its first page. */
function switched() {
  const [path, search] = location.hash.split('?');
  const params = new URLSearchParams(search || '');
  if (!params.has('page')) return route();
  params.delete('page');
  const text = params.toString();
  location.hash = path + (text ? `?${text}` : '');
}

let routes = 0;

/**
 * Renders the view the hash names into a fresh `main`: a slower view still loading writes into
 * the one it was given, no longer shown. Focus lost with the old view goes to the new one.
 */
async function route() {
  if (!app.user) return;
  const old = document.getElementById('main');
  if (!old) return;
  const main = h('main', { id: 'main', tabindex: '-1' }, h('p', { class: 'muted', role: 'status' }, t('list.loading')));
  const focusLost = old.contains(document.activeElement) || document.activeElement === document.body
    || Boolean(document.activeElement?.closest('#nav'));
  old.replaceWith(main);
  const current = ++routes;
  document.body.classList.remove('nav-open');
  const parts = location.hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
  const [section, plural, key] = parts;
  for (const link of document.querySelectorAll('#nav a')) {
    // `aria-current=""` would mean false: the current model's link says `page`.
    if (link.getAttribute('href') === `#/m/${plural}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  try {
    await view(main, section, plural, key);
    if (current !== routes) return;
    // Marks each view as shown (the page benchmark reads it).
    performance.mark('plinth:view', { detail: location.hash });
  } catch (error) {
    if (current !== routes) return;
    if (error instanceof ApiError && error.status === 401) return signIn();
    replace(main, h('div', { class: 'alert', role: 'alert' }, error.message));
  }
  if (focusLost && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
}

async function view(main, section, plural, key) {
  if (!section) return home(main);
  if (section === 'account') return accountView(app, main);
  const model = app.byPlural(plural);
  if (!model) return notFound(main);
  if (section === 't') return treeView(app, main, model);
  if (section === 'm' && !key) return listView(app, main, model);
  if (section === 'm') return recordView(app, main, model, key === 'new' ? null : key);
  return notFound(main);
}

function home(main) {
  document.title = 'Plinth';
  replace(main, h('h1', {}, t('home.title', { user: app.user.username })), h('div', { class: 'cards' }, areas({ class: 'card' })));
}

function notFound(main) {
  replace(main, h('h1', {}, t('notfound')), h('p', {}, h('a', { href: '#/' }, t('home.back'))));
}

window.addEventListener('hashchange', route);
bindShortcuts(app);
boot();

