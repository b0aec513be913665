/**
 * Whether a key press belongs to a control rather than to the page's shortcuts: typing in a field, choosing
 * in a select, or pressing Space on a focused button (which clicks it) must not also play or pause.
 */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  return (
    tag === 'INPUT' ||
    tag === 'TEXTAREA' ||
    tag === 'SELECT' ||
    tag === 'BUTTON' ||
    tag === 'SUMMARY' ||
    target.getAttribute('role') === 'slider'
  );
}
