/**
 * The address options of the embed (`?embed=1&controls=crash,pause&autoplay=visible&theme=dark&lesson=...`).
 * They are read once, when the page starts; what is wrong is said in the page's banner, and the rest of the
 * options still apply.
 */

/** The server actions an embed may offer, by the name `controls=` gives them (the buttons' own names). */
export const EMBED_CONTROLS = ['crash', 'stop', 'restart', 'pause', 'resume', 'cutoff', 'heal'] as const;
export type EmbedControl = (typeof EMBED_CONTROLS)[number];

export type Theme = 'light' | 'dark';

/** A lesson is one or two sentences beside the cluster; longer text belongs in the host page. */
export const LESSON_MAX_CHARS = 240;

export interface EmbedOptions {
  embed: boolean;
  /** The server actions each lane offers, in the order given; none unless `controls=` names some. */
  controls: EmbedControl[];
  /** `autoplay=visible`: play whenever the embed comes into view (and pause when it leaves). */
  autoplayVisible: boolean;
  /** The theme asked for; null: follow the reader's `prefers-color-scheme`. */
  theme: Theme | null;
  lesson: string | null;
  problems: string[];
}

export function parseEmbedOptions(params: URLSearchParams): EmbedOptions {
  const problems: string[] = [];
  const controls: EmbedControl[] = [];
  for (const name of (params.get('controls') ?? '').split(',')) {
    const control = name.trim().toLowerCase();
    if (control === '') continue;
    if ((EMBED_CONTROLS as readonly string[]).includes(control)) {
      if (!controls.includes(control as EmbedControl)) controls.push(control as EmbedControl);
    } else problems.push(`controls: "${control}" is not one of ${EMBED_CONTROLS.join(', ')}`);
  }

  const autoplay = params.get('autoplay');
  if (autoplay !== null && autoplay !== 'visible')
    problems.push(`autoplay "${autoplay}" is not "visible" (leave it out to start paused)`);

  const themeText = params.get('theme');
  let theme: Theme | null = null;
  if (themeText === 'light' || themeText === 'dark') theme = themeText;
  else if (themeText !== null) problems.push(`theme "${themeText}" is not light or dark`);

  let lesson = params.get('lesson')?.trim() || null;
  if (lesson !== null && lesson.length > LESSON_MAX_CHARS) {
    problems.push(`lesson is longer than ${LESSON_MAX_CHARS} characters: it was cut`);
    lesson = `${lesson.slice(0, LESSON_MAX_CHARS - 1)}…`;
  }

  return {
    embed: params.get('embed') === '1',
    controls,
    autoplayVisible: autoplay === 'visible',
    theme,
    lesson,
    problems,
  };
}

/** The action type of the engine a control name stands for (`cutoff` is the engine's `cutOff`). */
export function actionOf(
  control: EmbedControl,
): 'crash' | 'stop' | 'restart' | 'pause' | 'resume' | 'cutOff' | 'heal' {
  return control === 'cutoff' ? 'cutOff' : control;
}
