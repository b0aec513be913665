import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FuzzValue } from './jsonText';

/** The example scenarios the suite mutates: every file in scenarios/, as text and as a parsed value. */
export interface Example {
  file: string;
  text: string;
  value: FuzzValue;
}

const FOLDER = join(import.meta.dirname, '..', '..', 'scenarios');

export const EXAMPLES: readonly Example[] = readdirSync(FOLDER)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => {
    const text = readFileSync(join(FOLDER, file), 'utf8');
    return { file, text, value: JSON.parse(text) as FuzzValue };
  });
