import type { HistoryFile, InvariantReport } from '../../realrun/historyFile';
import type { TimelineMark } from '../../playground/view/timelineMarks';

/**
 * What reads and re-checks a history file (the file's schema and every invariant checker), fetched only
 * when a history is opened: the playground's first paint does not carry it.
 */
async function historyTools() {
  const [file, marks] = await Promise.all([
    import('../../realrun/historyFile'),
    import('../../playground/view/timelineMarks'),
  ]);
  return { ...file, timelineMarks: marks.timelineMarks };
}

/** A real run's history opened read-only: the file, the page's own verdicts on it, and its marks. */
export interface OpenHistory {
  name: string;
  file: HistoryFile;
  /** checkAll run in the page on the file's run: the page proves the verdicts, not only shows them. */
  reports: InvariantReport[];
  marks: TimelineMark[];
  /** Invariants where the file's verdict and the page's differ (none when the file is honest). */
  disagreements: string[];
}

export const SAMPLE_URL = 'sample-real-run.json';

class HistoryViewState {
  open = $state<OpenHistory | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);

  async load(text: string, name: string): Promise<boolean> {
    let tools: Awaited<ReturnType<typeof historyTools>>;
    try {
      tools = await historyTools();
    } catch (error) {
      this.error = `The reader of real runs could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
      return false;
    }
    const { parseHistoryFile, recheck, HistoryFileError, timelineMarks } = tools;
    try {
      const file = parseHistoryFile(text);
      const reports = recheck(file);
      const disagreements = file.verdicts
        .filter((verdict) => {
          const mine = reports.find((report) => report.id === verdict.id);
          return mine !== undefined && mine.ok !== verdict.ok;
        })
        .map((verdict) => verdict.id);
      this.open = { name, file, reports, marks: timelineMarks(file.run.trace, 0, 0), disagreements };
      this.error = null;
      return true;
    } catch (error) {
      this.error =
        error instanceof HistoryFileError
          ? `${name} is not a real run's history file. At ${error.message}`
          : `${name} could not be read: ${error instanceof Error ? error.message : String(error)}`;
      return false;
    }
  }

  async loadFile(file: File): Promise<boolean> {
    return this.load(await file.text(), file.name);
  }

  async loadSample(): Promise<boolean> {
    this.loading = true;
    try {
      const response = await fetch(SAMPLE_URL);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return this.load(await response.text(), SAMPLE_URL);
    } catch (error) {
      this.error = `The sample real run could not be fetched: ${error instanceof Error ? error.message : String(error)}`;
      return false;
    } finally {
      this.loading = false;
    }
  }

  close() {
    this.open = null;
    const url = new URL(window.location.href);
    if (url.searchParams.has('history')) {
      url.searchParams.delete('history');
      window.history.replaceState(null, '', url);
    }
  }
}

/** One per page: the menu's "Open a real run…" fills it, App shows the history page while it is open. */
export const historyView = new HistoryViewState();

let urlChecked = false;
/** `?history=sample` opens the bundled sample once. */
export function openFromUrl() {
  if (urlChecked) return;
  urlChecked = true;
  // Read once, not state.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  if (new URL(window.location.href).searchParams.get('history') === 'sample') void historyView.loadSample();
}
