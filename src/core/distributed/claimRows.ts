import type { ClaimedJob } from '../jobSource.js';
import type { JsonObject } from '../json.js';
import type { RowOf } from './sql/statement.js';

/** A job held through the shared table: a claim (with its token), or under hazard H8 a deleted row's copy. */
export interface DatabaseClaim extends ClaimedJob {
  readonly maxAttempts: number;
}

export type ClaimedRow = RowOf<'id' | 'name' | 'params' | 'attempts' | 'maxAttempts' | 'tickAt'>;

/** The row's params as a JSON object, or why they are not one. */
export function parseParams(row: RowOf<'id' | 'params'>): JsonObject | string {
  try {
    const params: unknown = JSON.parse(String(row.params));
    if (params !== null && typeof params === 'object' && !Array.isArray(params)) return params as JsonObject;
    return `params column of job ${String(row.id)} is not a JSON object`;
  } catch {
    return `params column of job ${String(row.id)} is not valid JSON`;
  }
}

export function toClaim(row: ClaimedRow, params: JsonObject, token: string | null): DatabaseClaim {
  return {
    id: String(row.id),
    name: String(row.name),
    params,
    attempt: Number(row.attempts),
    maxAttempts: Number(row.maxAttempts),
    tickAt: row.tickAt === null || row.tickAt === undefined ? undefined : Number(row.tickAt),
    token,
    lost: false,
  };
}
