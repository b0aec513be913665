/** Progress goes to stderr, and only to a terminal, so that stdout stays the table (or clean JSON). */
export function progress(message: string): void {
  if (process.stderr.isTTY) process.stderr.write(`${message}\n`);
}
