import type { LiveInvariant } from '../session';
import type { TimelineKind, TimelineMark } from './timelineMarks';

/**
 * The space-time diagram's shapes, computed from the marks in one pass. Repeated marks (heartbeats, claims,
 * completions) become one SVG <path> per kind, and marks that fall on the same pixel of the same row are
 * drawn once: the diagram stays a handful of elements whatever the length of the run. Faults and actions
 * are few and worth a tooltip each, so they stay separate (up to a cap).
 */

export interface Layout {
  /** Plot width in px (the time axis), after the label gutter. */
  plotWidth: number;
  gutter: number;
  top: number;
  rowHeight: number;
  /** Virtual ms at the left edge (0 for the whole run, later for a window on its last part). */
  fromMs?: number;
  /** Virtual ms at the right edge. */
  domainMs: number;
}

export interface Band {
  row: number;
  term: number;
  x: number;
  width: number;
  server: string;
  fromMs: number;
  toMs: number;
}

export interface PointMark {
  x: number;
  row: number;
  label: string;
  atMs: number;
  kind: 'fault' | 'action' | 'actionFailed';
  /** The action's type (the mark's `action`): a fault's glyph is picked from it. */
  action: TimelineMark['action'];
}

export interface Geometry {
  rows: string[];
  bands: Band[];
  /** One path `d` per kind. */
  paths: Record<PathKind, string>;
  points: PointMark[];
  /** Points left out because there were too many (they are still in the event log). */
  hiddenPoints: number;
  violations: { x: number; id: string; atMs: number; message: string }[];
}

/** Kinds drawn as one path each: all but leadership (bands) and actions (separate points with tooltips). */
export type PathKind = Exclude<
  TimelineKind,
  'elected' | 'leadershipEnded' | 'fault' | 'action' | 'actionFailed'
>;

const MAX_POINTS = 400;
/** The row for marks that concern no one server (cluster-wide actions). */
export const CLUSTER_ROW = '(all)';

export function rowsOf(serverIds: readonly string[], marks: readonly TimelineMark[]): string[] {
  const rows = [...serverIds];
  const known = new Set(rows);
  let cluster = false;
  for (const mark of marks) {
    if (mark.server === null) cluster = true;
    else if (!known.has(mark.server)) {
      known.add(mark.server);
      rows.push(mark.server);
    }
  }
  if (cluster) rows.unshift(CLUSTER_ROW);
  return rows;
}

export function buildGeometry(
  marks: readonly TimelineMark[],
  rows: readonly string[],
  layout: Layout,
  nowMs: number,
  invariants: readonly LiveInvariant[],
): Geometry {
  const { plotWidth, gutter, top, rowHeight, domainMs } = layout;
  const fromMs = layout.fromMs ?? 0;
  const scale = plotWidth / Math.max(domainMs - fromMs, 1);
  const xOf = (ms: number) => gutter + (Math.max(fromMs, Math.min(ms, domainMs)) - fromMs) * scale;
  /** Marks before the window are not drawn (bands that reach into it are, cut at its edge). */
  const shown = (ms: number) => ms >= fromMs;
  const rowIndex = new Map(rows.map((id, index) => [id, index]));
  const rowOf = (server: string | null) => rowIndex.get(server ?? CLUSTER_ROW) ?? 0;
  const midOf = (row: number) => top + row * rowHeight + rowHeight / 2;

  const parts: Record<PathKind, string[]> = {
    heartbeat: [],
    claimed: [],
    completed: [],
    failed: [],
    cronFired: [],
    fenced: [],
    processStarted: [],
    processEnded: [],
  };
  const seen: Record<PathKind, Set<number>> = {
    heartbeat: new Set(),
    claimed: new Set(),
    completed: new Set(),
    failed: new Set(),
    cronFired: new Set(),
    fenced: new Set(),
    processStarted: new Set(),
    processEnded: new Set(),
  };
  const bands: Band[] = [];
  const open = new Map<string, { term: number; fromMs: number }>();
  const points: PointMark[] = [];
  let hiddenPoints = 0;
  const half = rowHeight / 2 - 2;

  const closeBand = (server: string, toMs: number) => {
    const band = open.get(server);
    if (!band) return;
    open.delete(server);
    if (toMs < fromMs) return;
    const x = xOf(band.fromMs);
    bands.push({
      row: rowOf(server),
      term: band.term,
      x,
      width: Math.max(1, xOf(toMs) - x),
      server,
      fromMs: band.fromMs,
      toMs,
    });
  };

  for (const mark of marks) {
    const kind = mark.kind;
    if (kind === 'elected') {
      if (mark.server !== null) {
        closeBand(mark.server, mark.atMs);
        open.set(mark.server, { term: mark.term ?? 0, fromMs: mark.atMs });
      }
      continue;
    }
    if (kind === 'leadershipEnded') {
      if (mark.server !== null) closeBand(mark.server, mark.atMs);
      continue;
    }
    if (!shown(mark.atMs) && kind !== 'processEnded') continue;
    if (kind === 'fault' || kind === 'action' || kind === 'actionFailed') {
      if (points.length < MAX_POINTS) {
        points.push({
          x: xOf(mark.atMs),
          row: rowOf(mark.server),
          label: mark.label,
          atMs: mark.atMs,
          kind,
          action: mark.action,
        });
      } else hiddenPoints += 1;
      continue;
    }
    if (kind === 'processEnded' && mark.server !== null) closeBand(mark.server, mark.atMs);
    if (!shown(mark.atMs)) continue;
    const row = rowOf(mark.server);
    const x = xOf(mark.atMs);
    const px = Math.round(x);
    const key = row * 1_000_000 + px;
    if (seen[kind].has(key)) continue;
    seen[kind].add(key);
    const y = midOf(row);
    parts[kind].push(shape(kind, px + 0.5, y, half));
  }
  for (const server of [...open.keys()]) closeBand(server, nowMs);

  const violations = invariants
    .filter((invariant) => !invariant.ok && invariant.atMs !== undefined && shown(invariant.atMs))
    .map((invariant) => ({
      x: xOf(invariant.atMs!),
      id: invariant.id,
      atMs: invariant.atMs!,
      message: invariant.message ?? '',
    }));

  return {
    rows: [...rows],
    bands,
    paths: Object.fromEntries(Object.entries(parts).map(([kind, list]) => [kind, list.join('')])) as Record<
      PathKind,
      string
    >,
    points,
    hiddenPoints,
    violations,
  };
}

/** Each kind has its own shape and place in the row, so kinds stay apart without relying on colour. */
function shape(kind: PathKind, x: number, y: number, half: number): string {
  switch (kind) {
    case 'heartbeat':
      return `M${x} ${y - 4}V${y + 4}`;
    case 'claimed': // a small triangle pointing up, low in the row
      return `M${x - 3} ${y + 8}L${x} ${y + 3}L${x + 3} ${y + 8}Z`;
    case 'completed': // a small square, low in the row
      return `M${x - 2} ${y + 4}h4v4h-4Z`;
    case 'failed': // a cross, low in the row
      return `M${x - 3} ${y + 3}l6 6M${x + 3} ${y + 3}l-6 6`;
    case 'cronFired': // a diamond, high in the row
      return `M${x} ${y - 9}l3 3l-3 3l-3 -3Z`;
    case 'fenced': // a triangle pointing down, high in the row
      return `M${x - 3} ${y - 9}h6l-3 5Z`;
    case 'processStarted':
    case 'processEnded':
      return `M${x} ${y - half}V${y + half}`;
  }
}

/** A step between axis labels that leaves at least `minPx` between them. */
export function axisStep(domainMs: number, plotWidth: number, minPx = 70): number {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400].map(
    (seconds) => seconds * 1000,
  );
  const most = Math.max(1, Math.floor(plotWidth / minPx));
  return steps.find((step) => domainMs / step <= most) ?? steps[steps.length - 1]!;
}
