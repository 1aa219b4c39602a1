// Shared by the dashboards: the token from the URL fragment, the socket, the connection badge.
/* global io */

/**
 * The token travels in the URL fragment (#token=…), which browsers never send to a server. It is
 * moved to sessionStorage and removed from the address bar, so it survives a reload but not a
 * screenshot or a copied URL.
 */
export function takeToken() {
  const key = `pulsecoach:token:${location.pathname}`;
  const params = new URLSearchParams(location.hash.slice(1));
  const fromHash = params.get('token');
  if (fromHash) {
    sessionStorage.setItem(key, fromHash);
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash;
  }
  return sessionStorage.getItem(key);
}

/** The last path segment: the floor or user id of /floor/:id, /coach/:id, /athlete/:id. */
export function pathId() {
  return decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
}

/** Connects to a namespace; socket.io reconnects by itself and the page re-renders on connect. */
export function connect(namespace, auth, badge) {
  const socket = io(namespace, { auth });
  const show = (state, text) => {
    badge.dataset.state = state;
    badge.textContent = text;
  };
  show('connecting', 'connecting…');
  let expired = false;
  socket.on('connect', () => show('connected', 'live'));
  // the server says so before it ends a connection whose token expired
  socket.on('expired', () => {
    expired = true;
    show('refused', 'the token has expired: open the page with a new one');
  });
  socket.on('disconnect', (reason) => {
    if (expired) return;
    show('disconnected', `disconnected (${reason}) – reconnecting…`);
    // socket.io retries every end but one the server asked for: a screen retries that one too
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 2000);
  });
  socket.io.on('reconnect_attempt', () => show('connecting', 'reconnecting…'));
  socket.on('connect_error', (err) => {
    // refused by the server (bad token): socket.io does not retry these
    if (!socket.active) show('refused', err.message);
    else show('disconnected', 'offline – reconnecting…');
  });
  return socket;
}

/** A tiny element builder: el('div', {class: 'x', 'data-testid': 'y'}, child…). Text is always text. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

export const fmt = {
  bpm: (v) => (v === null || v === undefined ? '–' : String(v)),
  pct: (v) => (v === null || v === undefined ? '–' : `${Math.round(v)}%`),
  zone: (z) => (z === null || z === undefined ? '–' : z === 0 ? 'Z0' : `Z${z}`),
  score: (v) => (v === null || v === undefined ? '–' : String(v)),
  time: (ts) => new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
  /** a stale member's note: when their last live window ended, if there was one */
  lost: (ts) => {
    if (ts === null || ts === undefined) return 'no signal';
    const at = new Date(ts);
    const today = at.toDateString() === new Date().toDateString();
    return `no signal since ${today ? fmt.time(ts) : at.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}`;
  },
};
