/**
 * How deep a JSON body may nest. The deepest the protocol itself goes (a manifest's sfdisk table, an inventory) is
 * under ten; free-form fields (a task's result, a failure's detail, logs) get the rest. A body nested thousands deep
 * parses, but JSON.stringify then throws a RangeError when it is stored: it is refused before it is parsed.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether a JSON text nests arrays and objects deeper than `max`: one pass over the text, strings skipped. */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c)
        index += 1; // a backslash: the next character is escaped
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x7b || char === 0x5b) {
      depth += 1;
      if (depth > max) return true;
    } else if (char === 0x7d || char === 0x5d) {
      depth -= 1;
    }
  }
  return false;
}
