/**
 * The glossary the lessons link to: each word a lesson's text marks as `[[word]]` (or `[[shown text|word]]`)
 * opens its definition. One sentence or two each: the lesson around it says the rest.
 */
export const GLOSSARY = {
  lease: {
    word: 'lease',
    definition:
      'The leader’s claim to lead, kept in one database row: who holds it and when it last renewed it. It is fresh while the last heartbeat is younger than the leadership timeout (15 s), judged on the database’s clock.',
  },
  heartbeat: {
    word: 'heartbeat',
    definition:
      'The leader renewing its lease: every 5 s it writes the database’s time into the lease row. Followers read the row at the same pace and take over when it goes stale.',
  },
  term: {
    word: 'term',
    definition:
      'A number that grows by one at every election. Each leader has its own term, and every write it makes as leader carries it, so the database can tell a new leader from an old one.',
  },
  fencing: {
    word: 'fencing',
    definition:
      'Refusing a write that carries an older term than the lease: a leader that was paused or cut off and replaced cannot change anything when it comes back.',
  },
  claim: {
    word: 'claim',
    definition:
      'A server marking a queued job as its own before running it, with a claim lease (30 s, renewed while the job runs). If the server dies, the claim expires and the job goes back to the queue: at least once, never lost.',
  },
  misfire: {
    word: 'misfire',
    definition:
      'A cron tick that could not fire on time (nobody led, the scheduler was stalled). The misfire policy says what a late scheduler does with it: skip it, fire it once, or backfill every missed tick once each.',
  },
} as const;

export type GlossaryKey = keyof typeof GLOSSARY;

export function isGlossaryKey(word: string): word is GlossaryKey {
  return Object.hasOwn(GLOSSARY, word);
}

/** A piece of lesson text: plain, or a word linked to the glossary. */
export type TextSegment = { text: string; term?: undefined } | { text: string; term: GlossaryKey };

const MARK = /\[\[([^\]|]+)(?:\|([^\]]+))?\]\]/g;

/** The forms of each glossary word that link to it when a text does not mark them. */
const FORMS: Record<string, GlossaryKey> = {
  lease: 'lease',
  leases: 'lease',
  heartbeat: 'heartbeat',
  heartbeats: 'heartbeat',
  term: 'term',
  terms: 'term',
  fencing: 'fencing',
  fenced: 'fencing',
  claim: 'claim',
  claims: 'claim',
  claimed: 'claim',
  misfire: 'misfire',
  misfires: 'misfire',
};
const WORD = new RegExp(`\\b(${Object.keys(FORMS).join('|')})\\b`, 'gi');

/**
 * Splits lesson text at its glossary marks: `a [[lease]]` and `two [[claims|claim]]` become plain text and
 * linked words. A mark naming no glossary word stays plain text (the lesson tests refuse such a mark).
 * Unmarked uses of a glossary word (`leases`, `fenced`) link too, the first of each word in the text only,
 * so that a definition is one click from wherever the word appears without a link on every line.
 */
export function textSegments(text: string): TextSegment[] {
  const marked: TextSegment[] = [];
  let last = 0;
  for (const match of text.matchAll(MARK)) {
    const at = match.index;
    if (at > last) marked.push({ text: text.slice(last, at) });
    const shown = match[1]!;
    const key = (match[2] ?? match[1]!).trim().toLowerCase();
    marked.push(isGlossaryKey(key) ? { text: shown, term: key } : { text: shown });
    last = at + match[0].length;
  }
  if (last < text.length) marked.push({ text: text.slice(last) });
  const linked = new Set(marked.flatMap((segment) => (segment.term ? [segment.term] : [])));
  const segments: TextSegment[] = [];
  for (const segment of marked) {
    if (segment.term) {
      segments.push(segment);
      continue;
    }
    let from = 0;
    for (const match of segment.text.matchAll(WORD)) {
      const key = FORMS[match[0].toLowerCase()]!;
      if (linked.has(key)) continue;
      linked.add(key);
      if (match.index > from) segments.push({ text: segment.text.slice(from, match.index) });
      segments.push({ text: match[0], term: key });
      from = match.index + match[0].length;
    }
    if (from < segment.text.length) segments.push({ text: segment.text.slice(from) });
  }
  return segments;
}

/** The glossary words a text marks, and any marks that name no glossary word. */
export function glossaryMarks(text: string): { terms: GlossaryKey[]; unknown: string[] } {
  const terms: GlossaryKey[] = [];
  const unknown: string[] = [];
  for (const match of text.matchAll(MARK)) {
    const key = (match[2] ?? match[1]!).trim().toLowerCase();
    if (isGlossaryKey(key)) terms.push(key);
    else unknown.push(key);
  }
  return { terms, unknown };
}

/** The text without its marks, as a screen reader or a plain list shows it. */
export function plainText(text: string): string {
  return textSegments(text)
    .map((segment) => segment.text)
    .join('');
}
