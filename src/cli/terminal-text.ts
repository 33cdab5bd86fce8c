// What the CLI prints comes partly from functions (their logs, results and error
// messages), and a terminal obeys the control characters in it: an escape sequence can
// clear the screen, retitle the window, rewrite earlier lines or hide text. Human
// output shows every C0 control but newline and tab, DEL and every C1 control as a
// visible escape (`\x1b`, `\u009b`). JSON output stays exact JSON: JSON.stringify
// already escapes C0 inside strings and leaves DEL and C1 raw, which are written as
// \u escapes, the same JSON value.

const HUMAN_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** In JSON, \t \n \r are whitespace between tokens; anything else below U+0020 cannot be there raw. */
const JSON_UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

const hex = (c: string, width: number) => c.charCodeAt(0).toString(16).padStart(width, '0');

/** Text for a person: control characters shown, not obeyed. */
export function terminalSafe(text: string): string {
  return text.replace(HUMAN_UNSAFE, (c) => (c.charCodeAt(0) < 0x80 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));
}

/** JSON text with no raw control character left in it, and the same value. */
export function jsonSafe(text: string): string {
  return text.replace(JSON_UNSAFE, (c) => `\\u${hex(c, 4)}`);
}
