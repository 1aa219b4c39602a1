// The coach view: the floor's tiles plus a feed of triggers and suggestions.
import { el, fmt } from './common.js';
import { mountFloor } from './floor.js';

const socket = mountFloor('/coach');
const feed = document.querySelector('[data-testid="feed"]');
const MAX_ITEMS = 100;

function push(kind, alias, text, ts) {
  feed.prepend(
    el(
      'li',
      { class: `feed-${kind}`, 'data-testid': kind === 'trigger' || kind === 'danger' ? 'trigger' : 'feed-suggestion' },
      el('time', {}, fmt.time(ts)),
      el('b', {}, alias),
      el('span', {}, text),
    ),
  );
  while (feed.childElementCount > MAX_ITEMS) feed.lastElementChild.remove();
}

if (socket) {
  socket.on('trigger', (t) =>
    push(
      t.kind === 'danger' ? 'danger' : 'trigger',
      t.alias || t.userId,
      `${t.kind.replace('_', ' ')}: ${t.detail}`,
      t.ts,
    ),
  );
  socket.on('suggestion', (s) => push('suggestion', s.alias || s.userId, s.text, s.ts));
}
