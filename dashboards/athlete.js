// The athlete page: live heart rate, zone and readiness; suggestions with 👍/👎 feedback.
import { connect, el, fmt, pathId, takeToken } from './common.js';

const badge = document.querySelector('[data-testid="connection"]');
const list = document.querySelector('[data-testid="suggestions"]');
const userId = pathId();
document.title = `pulsecoach · ${userId}`;
const token = takeToken();
const MAX_ITEMS = 20;
const FEEDBACK_TIMEOUT_MS = 10_000;

function showLive(l) {
  document.querySelector('[data-testid="bpm"]').textContent = fmt.bpm(l.bpm);
  document.querySelector('[data-testid="pctmax"]').textContent = fmt.pct(l.pctMax);
  const zone = document.querySelector('[data-testid="zone"]');
  zone.textContent = fmt.zone(l.zone);
  document.body.className = `z${l.zone ?? 0}`;
  const r = document.querySelector('[data-testid="readiness"]');
  r.textContent = fmt.score(l.readiness);
  r.className = `readiness ${l.band ? `band-${l.band}` : ''}`;
  r.dataset.band = l.band ?? '';
  document.querySelector('[data-testid="signal"]').textContent = l.stale ? fmt.lost(l.ts) : '';
}

function showSuggestion(socket, s) {
  if (list.querySelector(`[data-id="${CSS.escape(s.suggestionId)}"]`)) return;
  const status = el('span', { class: 'status', 'data-testid': 'feedback-status' });
  const send = (rating) => {
    for (const b of item.querySelectorAll('button')) b.disabled = true;
    // (a connection lost before the answer would otherwise leave the buttons disabled for good)
    socket.timeout(FEEDBACK_TIMEOUT_MS).emit('feedback', { suggestionId: s.suggestionId, rating }, (err, answer) => {
      const ok = !err && answer?.ok;
      status.textContent = ok
        ? 'thanks'
        : `not sent: ${err ? 'no answer, try again' : (answer?.message ?? 'no answer')}`;
      if (!ok) for (const b of item.querySelectorAll('button')) b.disabled = false;
    });
  };
  const up = el('button', { type: 'button', 'data-testid': 'feedback-up' }, '👍 helpful');
  const down = el('button', { type: 'button', 'data-testid': 'feedback-down' }, '👎 not for me');
  up.addEventListener('click', () => send(5));
  down.addEventListener('click', () => send(1));
  const item = el(
    'li',
    { 'data-id': s.suggestionId },
    el('time', {}, fmt.time(s.ts)),
    el('p', { 'data-testid': 'suggestion' }, s.text),
    el('div', { class: 'actions' }, up, down, status),
  );
  list.prepend(item);
  while (list.childElementCount > MAX_ITEMS) list.lastElementChild.remove();
}

if (!token) {
  badge.dataset.state = 'refused';
  badge.textContent = 'no token: open the URL printed by pulsecoach (…#token=…)';
} else {
  const socket = connect('/athlete', { token, userId }, badge);
  socket.on('live', showLive);
  socket.on('suggestion', (s) => showSuggestion(socket, s));
}
