// The gym-floor screen: one tile per participant, live over the /floor (or /coach) namespace.
import { connect, el, fmt, pathId, takeToken } from './common.js';

/** Builds the tile grid of a floor and keeps it live; returns the socket. */
export function mountFloor(namespace) {
  const floorId = pathId();
  const grid = document.querySelector('[data-testid="grid"]');
  const badge = document.querySelector('[data-testid="connection"]');
  const count = document.querySelector('[data-testid="count"]');
  document.querySelector('[data-testid="floor-name"]').textContent = floorId;
  document.title = `${document.title} · ${floorId}`;
  const tiles = new Map();

  const token = takeToken();
  if (!token) {
    badge.dataset.state = 'refused';
    badge.textContent = 'no token: open the URL printed by pulsecoach (…#token=…)';
    return null;
  }

  function build(userId) {
    const node = el(
      'article',
      { class: 'tile z0', 'data-testid': 'tile', 'data-user': userId },
      el(
        'header',
        {},
        el('span', { class: 'alias', 'data-testid': 'alias' }),
        el('span', { class: 'readiness', 'data-testid': 'readiness' }),
      ),
      el('div', { class: 'bpm', 'data-testid': 'bpm' }),
      el(
        'div',
        { class: 'meta' },
        el('span', { 'data-testid': 'pctmax' }),
        el('span', { class: 'zone', 'data-testid': 'zone' }),
        el('span', { class: 'signal', 'data-testid': 'signal' }),
      ),
      el('p', { class: 'suggestion', 'data-testid': 'suggestion' }),
    );
    grid.append(node);
    return node;
  }

  function render(t) {
    const node = tiles.get(t.userId) ?? build(t.userId);
    tiles.set(t.userId, node);
    node.className = `tile z${t.zone ?? 0}${node.dataset.alert ? ' alert' : ''}${t.stale ? ' stale' : ''}`;
    node.dataset.zone = String(t.zone ?? '');
    node.dataset.stale = String(Boolean(t.stale));
    // the server clears a stale member's live values; say since when nothing came
    node.querySelector('[data-testid="signal"]').textContent = t.stale ? fmt.lost(t.ts) : '';
    node.querySelector('.alias').textContent = t.alias || t.userId;
    const r = node.querySelector('.readiness');
    r.textContent = fmt.score(t.readiness);
    r.className = `readiness ${t.band ? `band-${t.band}` : ''}`;
    r.dataset.band = t.band ?? '';
    node.querySelector('[data-testid="bpm"]').textContent = fmt.bpm(t.bpm);
    node.querySelector('[data-testid="pctmax"]').textContent = fmt.pct(t.pctMax);
    node.querySelector('[data-testid="zone"]').textContent = fmt.zone(t.zone);
    node.querySelector('[data-testid="suggestion"]').textContent = t.suggestion ? t.suggestion.text : '';
  }

  /** Picks the column count that gives the largest tiles for this many on this screen. */
  function layout() {
    const n = Math.max(tiles.size, 1);
    const w = grid.clientWidth;
    const h = grid.clientHeight;
    let best = 1;
    let bestSize = 0;
    for (let cols = 1; cols <= n; cols++) {
      const rows = Math.ceil(n / cols);
      const size = Math.min(w / cols, (h / rows) * 1.25);
      if (size > bestSize) [best, bestSize] = [cols, size];
    }
    grid.style.setProperty('--cols', String(best));
    grid.style.setProperty('--rows', String(Math.ceil(n / best)));
    count.textContent = `${tiles.size} on the floor`;
  }
  addEventListener('resize', layout);

  const socket = connect(namespace, { token, floorId }, badge);
  socket.on('tiles', (all) => {
    tiles.clear();
    grid.replaceChildren();
    for (const t of all.sort((a, b) => String(a.alias).localeCompare(String(b.alias)))) render(t);
    layout();
  });
  socket.on('tile', (t) => {
    const fresh = !tiles.has(t.userId);
    render(t);
    if (fresh) layout();
  });
  socket.on('leave', ({ userId }) => {
    tiles.get(userId)?.remove();
    tiles.delete(userId);
    layout();
  });
  socket.on('alert', (a) => {
    const node = tiles.get(a.userId);
    if (!node) return;
    node.classList.add('alert');
    node.dataset.alert = a.kind;
    clearTimeout(node.alertTimer);
    node.alertTimer = setTimeout(() => {
      delete node.dataset.alert;
      node.classList.remove('alert');
    }, 30_000);
  });
  return socket;
}

if (document.body.dataset.page === 'floor') mountFloor('/floor');
