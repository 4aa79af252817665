// The s2lite web console: sign-in, navigation, the views. Keys live in
// sessionStorage only (gone when the tab closes); every request is signed here.
import * as activity from './activity.js';
import * as buckets from './buckets.js';
import * as faults from './faults.js';
import {Client, explain} from './s3.js';
import {h, say} from './ui.js';
import * as uploads from './uploads.js';

const KEY = 's2lite-console-credentials';
const views = {
  uploads,
  buckets,
  faults,
  activity
};
const main = document.getElementById('main');
let session = null;  // {client, user, admin}
let cleanup = null;
let routeSeq = 0;  // the render in progress; an older one that finishes late is undone

// Shows `hash`: through hashchange when it changes, else directly.
function show(hash) {
  if (location.hash === hash)
    route();
  else
    location.hash = hash;
}

function saved() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

async function startSession(creds) {
  const client = new Client(creds);
  const {user} = await client.whoami();
  let admin = false;
  try {
    await client.faults();
    admin = true;
  } catch (e) {
    if (e.status !== 403) throw e;
  }
  session = {client, user, admin};
  document.getElementById('who-name').textContent =
      `Signed in as ${user}${admin ? ' (admin)' : ''}`;
  document.getElementById('who').hidden = false;
  document.getElementById('nav').hidden = false;
  document.getElementById('nav-faults').hidden = !admin;
}

function signOut() {
  sessionStorage.removeItem(KEY);
  session = null;
  document.getElementById('who').hidden = true;
  document.getElementById('nav').hidden = true;
  say('Signed out.');
  show('#/signin');
}

function signInView() {
  const prev = saved();
  const err = h('p', {class: 'error', id: 'signin-error', role: 'alert'});
  const form = h(
      'form', {class: 'card signin', id: 'signin-form', 'aria-describedby': 'signin-help'},
      h('h1', {tabindex: '-1'}, 'Sign in'),
      h('p', {id: 'signin-help', class: 'muted'},
        'Use an s2lite access key and secret key. They stay in this browser tab (sessionStorage) and are ',
        'used only to sign requests; the secret is never sent.'),
      h('label',
        { for: 'access-key'
        },
        'Access key'),
      h('input', {
        id: 'access-key',
        name: 'access-key',
        autocomplete: 'username',
        required: true,
        spellcheck: 'false',
        value: prev?.accessKey || ''
      }),
      h('label',
        { for: 'secret-key'
        },
        'Secret key'),
      h('input', {
        id: 'secret-key',
        name: 'secret-key',
        type: 'password',
        autocomplete: 'current-password',
        required: true
      }),
      h('label',
        { for: 'region'
        },
        'Region'),
      h('input',
        {id: 'region', name: 'region', value: prev?.region || 'us-east-1', required: true}),
      h('button', {type: 'submit', class: 'primary'}, 'Sign in'), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const creds = {
      accessKey: form.elements['access-key'].value.trim(),
      secretKey: form.elements['secret-key'].value,
      region: form.elements.region.value.trim()
    };
    try {
      await startSession(creds);
      sessionStorage.setItem(KEY, JSON.stringify(creds));
      say(`Signed in as ${session.user}.`);
      show('#/uploads');
    } catch (e) {
      session = null;
      err.textContent = explain(e);
    }
  });
  return form;
}

function insecureView() {
  return h(
      'section', {class: 'card'}, h('h1', {tabindex: '-1'}, 'A secure context is needed'),
      h('p', {},
        'The console signs requests in the browser with WebCrypto, which browsers offer only in a ',
        'secure context: open it at http://localhost:PORT/_s2lite/console/ or http://127.0.0.1:PORT/_s2lite/console/, ',
        'or serve s2lite over HTTPS (--tls-cert / --tls-key).'),
      h('p', {}, `This page was opened at ${location.origin}.`));
}

async function route() {
  if (cleanup) {
    try {
      cleanup();
    } catch { /* view gone */
    }
    cleanup = null;
  }
  const seq = ++routeSeq;
  main.replaceChildren();
  if (!window.isSecureContext || !window.crypto?.subtle) {
    main.append(insecureView());
    return;
  }
  const raw = (location.hash || '#/').slice(1);
  const qi = raw.indexOf('?');
  const [, name = '', ...rest] = (qi < 0 ? raw : raw.slice(0, qi)).split('/');
  const params = new URLSearchParams(qi < 0 ? '' : raw.slice(qi + 1));
  if (!session) {
    main.append(signInView());
    main.querySelector('#access-key')?.focus();
    return;
  }
  const shown = views[name] && (name !== 'faults' || session.admin) ? name : 'uploads';
  const view = views[shown];
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === shown)
      a.setAttribute('aria-current', 'page');
    else
      a.removeAttribute('aria-current');
  }
  const ctx = {...session, main, args: rest.map(decodeURIComponent), params};
  try {
    const undo = await view.render(ctx);
    if (seq === routeSeq)
      cleanup = undo;
    else if (typeof undo === 'function')
      undo();
  } catch (e) {
    if (seq === routeSeq) main.append(h('p', {class: 'error', role: 'alert'}, explain(e)));
  }
  if (seq === routeSeq) main.querySelector('h1')?.focus({preventScroll: true});
}

document.getElementById('sign-out').addEventListener('click', signOut);
window.addEventListener('hashchange', route);

(async () => {
  const creds = saved();
  if (creds && window.isSecureContext && window.crypto?.subtle) {
    try {
      await startSession(creds);
    } catch (e) {
      sessionStorage.removeItem(KEY);
      say(explain(e), 'error');
    }
  }
  route();
})();
