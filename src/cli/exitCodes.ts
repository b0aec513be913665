/**
 * The exit status of `coordinator-sim`, as its --help states them: 0 every invariant held (or was skipped),
 * 1 an invariant failed, 2 bad arguments, a bad scenario file or an output file that cannot be written,
 * 3 the simulation itself failed (or an unexpected error), 4 the run went over its budget.
 */
export const EXIT = { ok: 0, invariantFailed: 1, usage: 2, crashed: 3, overBudget: 4 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
