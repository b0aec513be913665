import type { ServerTarget } from './targets.js';
import type { Action } from './types.js';

/**
 * An action in a few words, for the timeline's tooltips, the event log and the CLI. `target` is the relative
 * target the action was written with when its `server` is the id it resolved to: `crash @leader (a)`.
 */
export function describeAction(action: Action, target?: ServerTarget | undefined): string {
  if (
    target !== undefined &&
    'server' in action &&
    typeof action.server === 'string' &&
    action.server !== target
  )
    return describeAction({ ...action, server: `${target} (${action.server})` } as Action);
  switch (action.type) {
    case 'addServer':
      return `add server ${action.server.id}${action.server.withoutJobs ? ' (without jobs)' : ''}`;
    case 'setClock': {
      const parts: string[] = [];
      if (action.offsetMs !== undefined)
        parts.push(`offset ${action.offsetMs >= 0 ? '+' : ''}${action.offsetMs / 1000} s`);
      if (action.rate !== undefined) parts.push(`rate ${action.rate}`);
      return `set ${action.server}'s clock: ${parts.join(', ')}`;
    }
    case 'setDatabaseSkew':
      return `database clock skew ${action.skewMs / 1000} s`;
    case 'enqueue':
      return `enqueue ${action.count ?? 1} × ${action.job} on ${action.server}`;
    case 'setJob':
      return `job ${action.job}: ${[
        action.durationMs !== undefined ? `${action.durationMs} ms` : '',
        action.failureRate !== undefined ? `${Math.round(action.failureRate * 100)}% fail` : '',
      ]
        .filter(Boolean)
        .join(', ')}`;
    case 'addSchedule':
      return `schedule ${action.job} at "${action.cron}"`;
    case 'setHazards':
      return `hazards ${action.hazards.length ? action.hazards.join(' ') : 'off'}${action.servers ? ` on ${action.servers.join(', ')}` : ''}`;
    case 'stop':
      return `stop ${action.server}${action.graceMs !== undefined ? ` (grace ${action.graceMs} ms)` : ''}`;
    default:
      return `${action.type} ${action.server}`;
  }
}
