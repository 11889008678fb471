// tenantd console: a partner's view of its tenants over the public API,
// called through /console/api/ (which adds the session's token).
'use strict';

(function () {
  const main = document.getElementById('main');
  const statusEl = document.getElementById('status');
  let me = null;
  let apps = null; // application id -> name

  // el builds an element: attrs set properties (on* add listeners), children
  // are nodes or text (never parsed as HTML).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k === 'for' || k.startsWith('aria-') || k.startsWith('data-') || k === 'role') e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function say(msg) { statusEl.textContent = msg || ''; }

  function csrf() {
    for (const part of document.cookie.split(';')) {
      const [k, v] = part.trim().split('=');
      if (k === 'console_csrf') return v;
    }
    return '';
  }

  class APIError extends Error {
    constructor(status, data) {
      const err = data && data.error;
      let msg = (err && typeof err === 'object' && err.message) || (data && data.error_description) || ('the server answered ' + status);
      if (status === 409) msg = 'Changed by someone else — reload.';
      super(msg);
      this.status = status;
      this.data = data;
    }
  }

  async function request(method, url, body) {
    const headers = { 'Accept': 'application/json' };
    if (method !== 'GET') headers['X-Console-CSRF'] = csrf();
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!res.ok) throw new APIError(res.status, data);
    return data;
  }

  // api calls the API through the console; a 401 sends back to sign-in.
  async function api(method, path, body) {
    try {
      return await request(method, '/console/api/' + path, body);
    } catch (err) {
      if (err.status === 401 && me) {
        me = null;
        showSignIn('Your session has ended: sign in again.');
      }
      throw err;
    }
  }

  const q = encodeURIComponent;

  // ---- sign-in ----

  function showSignIn(message) {
    document.getElementById('who').hidden = true;
    main.replaceChildren();
    const errorEl = el('p', { class: 'error', role: 'alert', id: 'signin-error', text: message || '' });
    const mfa = el('div', { class: 'field', id: 'mfa-field', hidden: true },
      el('label', { for: 'totp', text: 'Authentication code' }),
      el('input', { id: 'totp', name: 'totp_code', inputMode: 'numeric', autocomplete: 'one-time-code' }),
      el('p', { class: 'muted', id: 'mfa-help' }));
    const form = el('form', { class: 'signin', id: 'signin', 'aria-labelledby': 'signin-title' },
      el('h1', { id: 'signin-title', text: 'Sign in' }),
      el('div', { class: 'field' }, el('label', { for: 'login', text: 'Login' }),
        el('input', { id: 'login', name: 'login', autocomplete: 'username', required: true })),
      el('div', { class: 'field' }, el('label', { for: 'password', text: 'Password' }),
        el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      mfa, errorEl,
      el('button', { type: 'submit', id: 'signin-submit', text: 'Sign in' }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      errorEl.textContent = '';
      const body = { login: form.login.value, password: form.password.value };
      if (!mfa.hidden && form.totp.value) body.totp_code = form.totp.value.trim();
      try {
        await request('POST', '/console/session', body);
        await boot();
      } catch (err) {
        const d = err.data || {};
        if (d.error === 'totp_required' || d.error === 'totp_setup_required' || d.error === 'invalid_totp') {
          mfa.hidden = false;
          document.getElementById('mfa-help').textContent = d.totp_secret
            ? 'Add this key to your authenticator app, then enter its code: ' + d.totp_secret
            : 'Enter the code of your authenticator app.';
          errorEl.textContent = d.error === 'invalid_totp' ? 'The code is wrong or expired.' : 'An authentication code is needed.';
          form.totp.focus();
        } else {
          errorEl.textContent = err.message;
        }
      }
    });
    main.append(form);
    form.login.focus();
  }

  document.getElementById('sign-out').addEventListener('click', async () => {
    try { await request('DELETE', '/console/session'); } catch (_) { /* signed out either way */ }
    me = null;
    history.replaceState(null, '', '#');
    say('Signed out.');
    showSignIn();
  });

  async function boot() {
    try {
      me = await request('GET', '/console/api/users/me');
    } catch (err) {
      me = null;
      showSignIn(err.status === 401 ? '' : err.message);
      return;
    }
    document.getElementById('who-login').textContent = 'Signed in as ' + me.login;
    document.getElementById('who').hidden = false;
    say('');
    route();
  }

  // ---- routing ----

  window.addEventListener('hashchange', () => { if (me) route(); });

  function route() {
    const m = /^#\/tenants\/([0-9a-fA-F-]{36})$/.exec(location.hash);
    showTenant(m ? m[1] : me.tenant_id);
  }

  function tenantLink(id, text) { return el('a', { href: '#/tenants/' + id, text }); }

  async function appNames() {
    if (!apps) {
      apps = {};
      try {
        const list = await api('GET', 'applications');
        for (const a of list.items || []) apps[a.id] = a.name || a.id;
      } catch (_) { /* names are a nicety */ }
    }
    return apps;
  }

  // ---- confirmation dialog ----

  const dlg = document.getElementById('confirm');
  // confirm shows what an action will do; act runs when confirmed and the
  // dialog stays open with its error when it fails.
  function confirmAction(title, body, okText, act) {
    document.getElementById('confirm-title').textContent = title;
    document.getElementById('confirm-body').replaceChildren(...body);
    const errEl = document.getElementById('confirm-error');
    errEl.textContent = '';
    const ok = document.getElementById('confirm-ok');
    const cancel = document.getElementById('confirm-cancel');
    ok.textContent = okText;
    ok.disabled = false;
    const okNew = ok.cloneNode(true);
    ok.replaceWith(okNew);
    const cancelNew = cancel.cloneNode(true);
    cancel.replaceWith(cancelNew);
    cancelNew.addEventListener('click', () => dlg.close());
    okNew.addEventListener('click', async () => {
      okNew.disabled = true;
      try {
        await act();
        dlg.close();
      } catch (err) {
        errEl.textContent = err.message;
        okNew.disabled = false;
      }
    });
    dlg.showModal();
    cancelNew.focus();
  }

  // ---- the tenant page ----

  async function showTenant(id) {
    main.replaceChildren(el('p', { text: 'Loading…' }));
    let t;
    try {
      t = await api('GET', 'tenants/' + q(id) + '?embed_path=true');
    } catch (err) {
      main.replaceChildren(el('p', { class: 'error', role: 'alert', text: err.message }),
        id !== me.tenant_id ? el('p', null, el('a', { href: '#/tenants/' + me.tenant_id, id: 'home-link', text: 'Go to your tenant' })) : null);
      return;
    }
    const page = el('div', { id: 'tenant', 'data-id': t.id });
    page.append(breadcrumbs(t), header(t));
    const actions = el('section', { class: 'panel', 'aria-labelledby': 'actions-title' }, el('h2', { id: 'actions-title', text: 'Actions' }));
    page.append(actions);
    const sections = {};
    for (const [key, title] of [['children', 'Customers and partners'], ['users', 'Users'], ['upsell', 'Upsell prompt'],
      ['services', 'Services'], ['items', 'Offering items and usage'], ['audit', 'Audit trail']]) {
      if (key === 'children' && t.kind === 'unit') continue;
      const s = el('section', { class: 'panel', id: 'section-' + key, 'aria-labelledby': key + '-title' }, el('h2', { id: key + '-title', text: title }));
      if (key === 'upsell') s.hidden = true;
      sections[key] = s;
      page.append(s);
    }
    main.replaceChildren(page);
    const pricing = api('GET', 'tenants/' + q(t.id) + '/pricing').catch(() => null);
    renderActions(actions, t, pricing);
    if (sections.children) renderChildren(sections.children, t);
    renderUsers(sections.users, sections.upsell, t);
    renderServices(sections.services, t);
    renderItems(sections.items, actions, t);
    renderAudit(sections.audit, t);
    pricing.then((p) => {
      const info = document.getElementById('pricing-info');
      if (!info || !p) return;
      info.replaceChildren('Pricing: ', el('span', { class: 'badge ' + (p.mode === 'trial' ? 'trial' : ''), id: 'pricing-mode', text: p.mode }),
        p.mode === 'trial' && p.production_start_date ? ' — trial ends ' + new Date(p.production_start_date).toLocaleDateString() : '');
    });
  }

  function breadcrumbs(t) {
    let path = t.path && t.path.length ? t.path : [{ id: t.id, name: t.name, kind: t.kind }];
    const start = path.findIndex((p) => p.id === me.tenant_id);
    if (start >= 0) path = path.slice(start);
    const ol = el('ol');
    path.forEach((p, i) => {
      ol.append(el('li', null, i === path.length - 1 ? el('span', { 'aria-current': 'page', text: p.name }) : tenantLink(p.id, p.name)));
    });
    return el('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumbs' }, ol);
  }

  function header(t) {
    return el('div', { class: 'tenant-head' },
      el('h1', { id: 'tenant-name', text: t.name }),
      el('p', null,
        el('span', { class: 'badge', text: t.kind }), ' ',
        el('span', { class: 'badge ' + (t.enabled ? 'active' : 'suspended'), id: 'tenant-status', text: t.enabled ? 'Active' : 'Suspended' }), ' ',
        el('span', { id: 'pricing-info' })));
  }

  function reload() { showTenant(document.getElementById('tenant').dataset.id); }

  function countList(dr) {
    const kinds = Object.entries(dr.tenants.by_kind || {}).map(([k, n]) => n + ' ' + k + (n === 1 ? '' : 's')).join(', ');
    const li = (text) => el('li', { text });
    const list = el('ul', { id: 'impact' },
      li(dr.tenants.total + ' tenant' + (dr.tenants.total === 1 ? '' : 's') + (kinds ? ' (' + kinds + ')' : '') + ' locked out'),
      li(dr.users + ' user' + (dr.users === 1 ? '' : 's') + ' cannot sign in'),
      li(dr.api_clients + ' API client' + (dr.api_clients === 1 ? '' : 's') + ' stop working'),
      li(dr.active_tokens + ' active session' + (dr.active_tokens === 1 ? '' : 's') + ' end'));
    for (const s of dr.services || []) {
      list.append(li((apps && apps[s.application_id]) || s.application_id || 'a service'));
    }
    return list;
  }

  function renderActions(section, t, pricing) {
    const bar = el('div', { class: 'actions' });
    section.append(bar);
    const isOwn = t.id === me.tenant_id;
    if (isOwn) {
      section.append(el('p', { class: 'muted', text: 'Your own tenant is changed by the tenant above it.' }));
      return;
    }
    if (t.enabled) {
      bar.append(el('button', { type: 'button', class: 'danger', id: 'suspend', text: 'Suspend…', onclick: async () => {
        let dr;
        try {
          await appNames();
          dr = await api('PUT', 'tenants/' + q(t.id) + '?dry_run=true', { enabled: false, version: t.version });
        } catch (err) { say(err.message); return; }
        confirmAction('Suspend ' + t.name + '?', [el('p', { text: 'Suspending it now means:' }), countList(dr)], 'Suspend', async () => {
          await api('PUT', 'tenants/' + q(t.id), { enabled: false, version: t.version });
          say(t.name + ' is suspended.');
          reload();
        });
      } }));
    } else {
      bar.append(el('button', { type: 'button', id: 'reactivate', text: 'Reactivate…', onclick: () => {
        confirmAction('Reactivate ' + t.name + '?', [el('p', { text: 'Its users and API clients can sign in again, in the whole subtree but for tenants suspended on their own.' })],
          'Reactivate', async () => {
            await api('PUT', 'tenants/' + q(t.id), { enabled: true, version: t.version });
            say(t.name + ' is active again.');
            reload();
          });
      } }));
    }
    pricing.then((p) => {
      if (!p || p.mode !== 'trial' || t.kind === 'unit') return;
      bar.append(el('button', { type: 'button', class: 'secondary', id: 'to-production', text: 'Switch to production…', onclick: () => {
        confirmAction('Switch ' + t.name + ' to production?', [
          el('p', { class: 'warning', text: 'This cannot be undone: the trial ends now, for good, and the whole of this month is billed.' })],
        'Switch to production', async () => {
          await api('PUT', 'tenants/' + q(t.id) + '/pricing', Object.assign({}, p, { mode: 'production' }));
          say(t.name + ' is in production.');
          reload();
        });
      } }));
    });
  }

  // ---- children: search and cursors, never everything ----

  function renderChildren(section, t) {
    const search = el('input', { id: 'child-search', type: 'search', placeholder: 'Name, customer id or e-mail' });
    const kind = el('select', { id: 'child-kind' },
      ...[['', 'All kinds'], ['partner', 'Partners'], ['folder', 'Folders'], ['customer', 'Customers'], ['unit', 'Units']]
        .map(([v, text]) => el('option', { value: v, text })));
    const form = el('form', { class: 'row', role: 'search', 'aria-label': 'Find a tenant' },
      el('div', { class: 'field' }, el('label', { for: 'child-search', text: 'Search below ' + t.name }), search),
      el('div', { class: 'field' }, el('label', { for: 'child-kind', text: 'Kind' }), kind),
      el('button', { type: 'submit', text: 'Search' }));
    const list = el('ul', { class: 'list', id: 'children', 'aria-live': 'polite' });
    const note = el('p', { class: 'muted', id: 'children-note' });
    const more = el('button', { type: 'button', class: 'secondary', id: 'children-more', text: 'Load more', hidden: true });
    section.append(form, note, list, more);
    let after = null;
    let shown = 0;
    let generation = 0; // a newer search or filter drops older answers

    function add(items) {
      const k = kind.value;
      for (const c of items) {
        if (k && c.kind !== k) continue;
        shown++;
        list.append(el('li', null, tenantLink(c.id, c.name), el('span', { class: 'badge', text: c.kind }),
          c.enabled === false ? el('span', { class: 'badge suspended', text: 'Suspended' }) : null,
          c.path && c.path.length > 1 ? el('span', { class: 'muted', text: c.path.slice(0, -1).join(' › ') }) : null));
      }
    }

    async function page(first) {
      const gen = ++generation;
      try {
        let data;
        if (first) {
          list.replaceChildren();
          shown = 0;
          const text = search.value.trim();
          if (text) {
            data = await api('GET', 'search?tenant=' + q(t.id) + '&text=' + q(text) + '&limit=50');
            if (gen !== generation) return;
            const tenants = (data.items || []).filter((i) => i.obj_type === 'tenant' && i.id !== t.id);
            add(tenants);
            after = null;
            note.textContent = shown ? shown + ' found' + (tenants.length >= 50 ? ' (the first 50: narrow the search)' : '') : 'Nothing found.';
            more.hidden = true;
            return;
          }
          after = null;
        }
        // With a kind, a page may hold none of it: read on, up to ten pages
        // at a time, until twenty are shown.
        const before = shown;
        for (let pages = 0; pages < 10; pages++) {
          data = await api('GET', after ? 'tenants?after=' + q(after) : 'tenants?parent_id=' + q(t.id) + '&lod=basic&limit=50');
          if (gen !== generation) return;
          add(data.items || []);
          after = data.paging && data.paging.cursors && data.paging.cursors.after;
          if (!after || !kind.value || shown - before >= 20) break;
        }
        more.hidden = !after;
        note.textContent = shown ? shown + ' shown' + (after ? '; more below' : '') : (after ? 'None of this kind yet; load more.' : 'No tenants below.');
      } catch (err) { note.textContent = err.message; }
    }
    form.addEventListener('submit', (ev) => { ev.preventDefault(); page(true); });
    kind.addEventListener('change', () => page(true));
    more.addEventListener('click', () => page(false));
    page(true);
  }

  // ---- users, buyer, upsell ----

  async function renderUsers(section, upsellSection, t) {
    const body = el('tbody');
    section.append(el('div', { class: 'table-wrap' }, el('table', { id: 'users' },
      el('thead', null, el('tr', null, ...['Login', 'E-mail', 'Roles', 'Buyer', ''].map((h) => el('th', { scope: 'col', text: h })))), body)));
    try {
      const data = await api('GET', 'users?tenant_id=' + q(t.id) + '&with_access_policies=true&limit=100');
      const users = data.items || [];
      if (!users.length) section.append(el('p', { class: 'muted', text: 'No users.' }));
      for (const u of users) {
        const buyer = (u.business_types || []).includes('buyer');
        const roles = (u.access_policies || []).map((p) => p.role_id).join(', ');
        body.append(el('tr', { 'data-login': u.login },
          el('td', { 'data-label': 'Login', text: u.login }), el('td', { 'data-label': 'E-mail', text: (u.contact && u.contact.email) || '' }), el('td', { 'data-label': 'Roles', text: roles || '—' }),
          el('td', { 'data-label': 'Buyer' }, el('span', { class: 'buyer', text: buyer ? 'Yes' : 'No' })),
          el('td', { class: 'actions' },
            el('button', { type: 'button', class: 'secondary toggle-buyer', 'aria-label': (buyer ? 'Remove buyer from ' : 'Make buyer: ') + u.login,
              text: buyer ? 'Remove buyer…' : 'Make buyer…', onclick: () => toggleBuyer(u, buyer) }),
            el('button', { type: 'button', class: 'secondary show-upsell', 'aria-label': 'Upsell prompt of ' + u.login,
              text: 'Upsell prompt', onclick: () => showUpsell(upsellSection, u) }))));
      }
    } catch (err) { section.append(el('p', { class: 'error', text: err.message })); }
  }

  function toggleBuyer(u, buyer) {
    const types = (u.business_types || []).filter((b) => b !== 'buyer');
    if (!buyer) types.push('buyer');
    const consequence = buyer
      ? u.login + ' is no longer offered purchases: no quota proposals, no Buy link.'
      : u.login + ' is offered purchases: quota proposals and, as a company administrator under a brand with a Buy URL, “Buy now”.';
    confirmAction(buyer ? 'Remove buyer?' : 'Make ' + u.login + ' a buyer?', [el('p', { text: consequence })], buyer ? 'Remove buyer' : 'Make buyer', async () => {
      await api('PUT', 'users/' + q(u.id), { version: u.version, business_types: types });
      say(u.login + (buyer ? ' is no longer a buyer.' : ' is a buyer.'));
      reload();
    });
  }

  // contrastText is black or white, whichever reads better on colour c.
  function contrastText(c) {
    const probe = el('span');
    probe.style.color = c;
    document.body.append(probe);
    const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(getComputedStyle(probe).color);
    probe.remove();
    if (!m) return '#fff';
    const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    const l = 0.2126 * lin(+m[1]) + 0.7152 * lin(+m[2]) + 0.0722 * lin(+m[3]);
    return (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? '#000' : '#fff';
  }

  async function showUpsell(section, u) {
    section.hidden = false;
    section.replaceChildren(el('h2', { id: 'upsell-title', text: 'Upsell prompt of ' + u.login }));
    let up, brand = null;
    try {
      up = await api('GET', 'users/' + q(u.id) + '/upsell');
      brand = await api('GET', 'tenants/' + q(u.tenant_id) + '/brand?effective=1').catch(() => null);
    } catch (err) { section.append(el('p', { class: 'error', text: err.message })); return; }
    const box = el('div', { id: 'upsell' });
    const colour = brand && brand.color && CSS.supports('color', brand.color) ? brand.color : null;
    if (colour) {
      box.style.setProperty('--brand', colour);
      box.style.setProperty('--brand-fg', contrastText(colour));
    }
    const company = (brand && (brand.company_name || brand.service_name)) || '';
    let any = false;
    for (const [key, title] of [['edition', 'A higher edition'], ['quota', 'More quota']]) {
      const p = up[key];
      if (!p || !p.show) continue;
      any = true;
      const card = el('div', { class: 'upsell', id: 'upsell-' + key, 'data-kind': p.kind },
        el('h3', { text: title + (company ? ' from ' + company : '') }));
      if (p.kind === 'buy_now' && p.url && /^https?:/i.test(p.url)) {
        card.append(el('a', { class: 'button', href: p.url, target: '_blank', rel: 'noopener noreferrer', text: 'Buy now' }));
      } else {
        card.append(el('p', { text: 'Contact your sales representative.' }));
      }
      box.append(card);
    }
    if (!any) box.append(el('p', { class: 'muted', text: u.login + ' is shown no upsell prompt.' }));
    section.append(box);
    section.scrollIntoView();
  }

  // ---- services, items, usage ----

  async function renderServices(section, t) {
    try {
      const [data, names] = await Promise.all([api('GET', 'tenants/' + q(t.id) + '/applications'), appNames()]);
      const ids = data.items || [];
      section.append(ids.length ? el('ul', { class: 'list', id: 'services' }, ...ids.map((id) => el('li', { text: names[id] || id })))
        : el('p', { class: 'muted', text: 'No services.' }));
    } catch (err) { section.append(el('p', { class: 'error', text: err.message })); }
  }

  function fmt(v, unit) { return v === null || v === undefined ? 'unlimited' : v + (unit && unit !== 'quantity' && unit !== 'n/a' ? ' ' + unit : ''); }

  async function renderItems(section, actions, t) {
    try {
      const [items, usages, names] = await Promise.all([
        api('GET', 'tenants/' + q(t.id) + '/offering_items?edition=*'),
        api('GET', 'tenants/' + q(t.id) + '/usages'), appNames()]);
      const used = {};
      for (const u of usages.items || []) {
        if (u.name) used[u.application_id + '/' + u.name] = u.value;
      }
      const all = items.items || [];
      const on = all.filter((i) => i.status === 1);
      const body = el('tbody');
      for (const i of on) {
        const value = used[i.application_id + '/' + i.name] || 0;
        const quota = i.quota && i.quota.value;
        const over = quota !== null && quota !== undefined && value > quota;
        const pct = quota ? Math.min(100, Math.round(100 * value / quota)) : (quota === 0 && value > 0 ? 100 : 0);
        const bar = el('span', { class: 'meter' + (over ? ' over' : ''), role: 'meter', 'aria-valuemin': '0',
          'aria-valuemax': String(quota || 0), 'aria-valuenow': String(value), 'aria-label': i.name + ' usage' }, el('span'));
        bar.firstChild.style.width = pct + '%';
        body.append(el('tr', { 'data-item': i.name },
          el('td', { 'data-label': 'Item', text: i.name }), el('td', { 'data-label': 'Service', text: names[i.application_id] || i.application_id }), el('td', { 'data-label': 'Edition', text: i.edition || '—' }),
          el('td', { 'data-label': 'Usage' }, bar, ' ', fmt(value, i.measurement_unit), ' of ', fmt(quota, i.measurement_unit),
            over ? el('span', { class: 'over-label', text: ' Over quota' }) : null,
            i.quota && i.quota.overage ? el('span', { class: 'muted', text: ' (overage allowed: ' + i.quota.overage + ')' }) : null)));
      }
      section.append(on.length ? el('div', { class: 'table-wrap' }, el('table', { id: 'items' },
        el('thead', null, el('tr', null, ...['Item', 'Service', 'Edition', 'Usage'].map((h) => el('th', { scope: 'col', text: h })))), body))
        : el('p', { class: 'muted', text: 'No offering items are on.' }));
      if (t.id !== me.tenant_id && t.parent_id && t.kind !== 'unit') {
        // The editions the tenant may switch to: those its parent offers.
        const offered = await api('GET', 'tenants/' + q(t.parent_id) + '/offering_items/available_for_child?kind=' + q(t.kind) + '&edition=*')
          .catch(() => ({ items: all }));
        const inUse = new Set(on.filter((i) => i.edition).map((i) => i.application_id));
        const current = new Set(on.filter((i) => i.edition).map((i) => i.application_id + '/' + i.edition));
        editionSwitch(actions, t, (offered.items || []).filter((i) => inUse.has(i.application_id)), names, current);
      }
    } catch (err) { section.append(el('p', { class: 'error', text: err.message })); }
  }

  function editionSwitch(actions, t, items, names, current) {
    const pairs = new Map();
    for (const i of items) {
      if (!i.edition) continue;
      pairs.set(i.application_id + '/' + i.edition, { app: i.application_id, edition: i.edition });
    }
    if (!pairs.size) return;
    const select = el('select', { id: 'edition' }, ...[...pairs.entries()].map(([k, p]) =>
      el('option', { value: k, text: (names[p.app] || p.app) + ': ' + p.edition + (current.has(k) ? ' (in use)' : '') })));
    const form = el('form', { class: 'row', id: 'edition-form' },
      el('div', { class: 'field' }, el('label', { for: 'edition', text: 'Switch edition to' }), select),
      el('button', { type: 'submit', class: 'secondary', text: 'Check switch…' }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const p = pairs.get(select.value);
      let check;
      try {
        check = await api('GET', 'tenants/' + q(t.id) + '/edition?application_id=' + q(p.app) + '&target_edition=' + q(p.edition));
      } catch (err) { say(err.message); return; }
      const warnings = check.warnings || [];
      const texts = {
        OldFeaturesBecomeUnavailable: 'Features of the current edition become unavailable.',
        NewFeaturesBecomeAvailable: 'New features become available.',
        SomePlansWillStopWorking: 'Some protection plans will stop working.',
        AllDevicesWithBackupsPreserved: 'All devices and backups are preserved.',
        UsageStatisticsWillMigrate: 'Billing changes: usage is counted differently.',
        AdvCyberProtectBecomeUnavailable: 'Advanced Cyber Protection features go.',
        EditionNotAvailableAllItemsOff: 'The edition is not available to this tenant: every item of the service goes off.',
      };
      confirmAction('Switch ' + t.name + ' to ' + p.edition + '?', [warnings.length
        ? el('ul', { id: 'edition-warnings' }, ...warnings.map((w) => el('li', { class: 'warning', text: texts[w] || w })))
        : el('p', { text: 'No warnings.' })], 'Switch edition', async () => {
        await api('PUT', 'tenants/' + q(t.id) + '/edition', { application_id: p.app, target_edition: p.edition });
        say(t.name + ' now uses ' + p.edition + '.');
        reload();
      });
    });
    actions.append(form);
  }

  // ---- audit trail ----

  function renderAudit(section, t) {
    const list = el('ul', { class: 'list', id: 'audit' });
    const more = el('button', { type: 'button', class: 'secondary', text: 'Load more', hidden: true });
    section.append(list, more);
    let after = '';
    async function page() {
      try {
        const data = await api('GET', 'events?tenant_id=' + q(t.id) + '&limit=50' + (after ? '&after=' + q(after) : ''));
        for (const ev of data.items || []) {
          const who = ev.actor ? ev.actor.type + (ev.actor.id ? ' ' + ev.actor.id.slice(0, 8) : '') : '';
          list.append(el('li', null, el('time', { dateTime: ev.occurred_at, text: new Date(ev.occurred_at).toLocaleString() }),
            el('strong', { text: ev.object_type + ' ' + ev.action }), el('span', { class: 'muted', text: 'by ' + who })));
        }
        const next = data.paging && data.paging.cursors && data.paging.cursors.after;
        more.hidden = !next || !(data.items || []).length;
        after = next || '';
        if (!list.children.length) list.append(el('li', { class: 'muted', text: 'No changes recorded.' }));
      } catch (err) { section.append(el('p', { class: 'error', text: err.message })); }
    }
    more.addEventListener('click', page);
    page();
  }

  boot();
})();
