import { humanizeInstants as humanizeSimInstants } from '../playground/view/instants';

/**
 * How times read on the page. Run time (virtual ms since the start of the run) is what the learner steers
 * by, so it keeps millisecond precision; server clocks are wall-clock instants and read as UTC, because the
 * simulation's epoch is a fixed UTC date and a local time zone would only add a second, confusing offset.
 */

/** Run time: `00:42.350`, or `1:02:03.004` past an hour. */
export function formatRunTime(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  const millis = whole % 1000;
  const totalSeconds = Math.floor(whole / 1000);
  const seconds = totalSeconds % 60;
  const totalMinutes = Math.floor(totalSeconds / 60);
  const minutes = totalMinutes % 60;
  const hours = Math.floor(totalMinutes / 60);
  const tail = `${pad(seconds, 2)}.${pad(millis, 3)}`;
  return hours > 0 ? `${hours}:${pad(minutes, 2)}:${tail}` : `${pad(minutes, 2)}:${tail}`;
}

/** An instant (epoch ms) as `HH:MM:SS.mmm` UTC. */
export function formatClock(epochMs: number): string {
  const date = new Date(epochMs);
  if (Number.isNaN(date.getTime())) return '—';
  return `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${pad(date.getUTCMilliseconds(), 3)}`;
}

/** A signed offset in seconds with a real minus sign: `−20.0 s`, `+1.5 s`, `0.0 s`. */
export function formatOffset(ms: number): string {
  const seconds = (ms / 1000).toFixed(1);
  if (Math.abs(ms) < 50) return '0.0 s';
  return ms < 0 ? `\u2212${seconds.slice(1)} s` : `+${seconds} s`;
}

/** A duration in seconds, one decimal: `14.2 s`. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A short axis label for the timeline: `0s`, `45s`, `2m`, `2m30s`. */
export function formatAxis(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes}m` : `${minutes}m${rest}s`;
}

/** A drift rate as the learner thinks of it: `1.000×`, `0.950×`. */
export function formatRate(rate: number): string {
  return `${rate.toFixed(3)}×`;
}

/** A file-name-safe stem: `Leader crash and failover` → `leader-crash-and-failover`. */
export function slug(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned || 'scenario';
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Instants in checker messages and log details, as run time (see src/verify/instants.ts). */
export function humanizeInstants(text: string, epoch: number): string {
  return epoch ? humanizeSimInstants(text, epoch, formatRunTime) : text;
}
