import type { Outcome } from './harness';

/** What a fuzz run saw: each outcome counted, and the field paths the rejections named. */
export class FuzzTally {
  cases = 0;
  rejected = 0;
  accepted = 0;
  ran = 0;
  budget = 0;
  crashes = 0;
  /** Cases that ended in each known failure (knownFailures.ts). */
  readonly known = new Map<string, number>();
  /** Cases that named each normalised path (a case naming a path twice counts once). */
  readonly rejectedAt = new Map<string, number>();

  record(outcome: Outcome): void {
    this.cases++;
    switch (outcome.kind) {
      case 'rejected':
        this.rejected++;
        for (const where of new Set(outcome.where))
          this.rejectedAt.set(where, (this.rejectedAt.get(where) ?? 0) + 1);
        break;
      case 'accepted':
        this.accepted++;
        break;
      case 'ran':
        this.accepted++;
        this.ran++;
        break;
      case 'budget':
        this.accepted++;
        this.budget++;
        break;
      case 'known':
        this.known.set(outcome.id, (this.known.get(outcome.id) ?? 0) + 1);
        break;
    }
  }

  crashed(): void {
    this.cases++;
    this.crashes++;
  }

  /** The `count` paths most rejections named, most first. */
  topRejections(count: number): [string, number][] {
    return [...this.rejectedAt].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, count);
  }
}
