// The words both adapters use for the same things, so the console and the serial line read alike.
import type { FormField, MenuEntry } from './terminal-ui.ts';

/** "Label - hint", or for a disabled entry "Label (not available: hint)". */
export function entryText(entry: MenuEntry): string {
  if (entry.disabled === true)
    return `${entry.label} (not available${entry.hint === undefined ? '' : `: ${entry.hint}`})`;
  return entry.hint === undefined ? entry.label : `${entry.label} - ${entry.hint}`;
}

/** Why choosing this entry did nothing. */
export function unavailableText(entry: MenuEntry): string {
  return `${entry.label} is not available${entry.hint === undefined ? '' : `: ${entry.hint}`}`;
}

/** The entry a menu starts on: the one asked for if it can be chosen, else the first that can. */
export function initialEntryIndex(entries: readonly MenuEntry[], initialKey: string | undefined): number | undefined {
  const asked = entries.findIndex((entry) => entry.key === initialKey && entry.disabled !== true);
  if (asked >= 0) return asked;
  const first = entries.findIndex((entry) => entry.disabled !== true);
  return first >= 0 ? first : undefined;
}

/** A form's starting values: each field's initial, else '' / the first option / no. */
export function initialValues(fields: readonly FormField[]): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (const field of fields) {
    if (field.kind === 'text') values[field.name] = field.initial ?? '';
    else if (field.kind === 'choice') values[field.name] = field.initial ?? field.options[0]?.value ?? '';
    else values[field.name] = field.initial ?? false;
  }
  return values;
}
