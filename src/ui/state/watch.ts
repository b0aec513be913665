import * as v from 'valibot';
import { condition, evaluateStep, type Condition, type LessonView } from '../../lessons';

/**
 * A scenario's "what to watch" checklist: its `watch` items (the scenario room checks their shape only),
 * their `when` read as lesson conditions and judged by the lessons' evaluator on the page's view.
 */

export interface WatchItem {
  text: string;
  when: Condition;
}

/** The items whose `when` is a lesson condition; the others are left out and said in `problems`. */
export function parseWatch(raw: readonly { text: string; when: unknown }[] | undefined): {
  items: WatchItem[];
  problems: string[];
} {
  const items: WatchItem[] = [];
  const problems: string[] = [];
  (raw ?? []).forEach((item, index) => {
    const result = v.safeParse(condition, item.when);
    if (result.success) items.push({ text: item.text, when: result.output });
    else problems.push(`watch[${index}].when: ${result.issues[0]?.message ?? 'not a condition'}`);
  });
  return { items, problems };
}

/**
 * When each item was first seen in this run (run time, ms), or null while it has not happened. A "seen"
 * condition is dated by its entry in the trace; any other by `previous` (the time it was first judged to
 * hold), else now. An item that no longer holds (the run was rewound before it) is null again.
 */
export function watchSeenAt(
  items: readonly WatchItem[],
  view: LessonView,
  previous: readonly (number | null)[] = [],
): (number | null)[] {
  return items.map((item, index) => {
    const result = evaluateStep({ text: item.text, check: [item.when] }, view, {
      history: view.history,
      atMs: 0,
    });
    if (!result.met[0]) return null;
    const when = item.when;
    if ('seen' in when) {
      const matching = view.entries.filter((entry) => entry.type === when.seen);
      const entry = matching[(when.count ?? 1) - 1];
      if (entry) return entry.vt - view.epoch;
    }
    const before = previous[index];
    return before !== null && before !== undefined && before <= view.elapsedMs ? before : view.elapsedMs;
  });
}
