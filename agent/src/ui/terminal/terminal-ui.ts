// The technician's terminal UI as a port: the boot menu flows ask for choices, forms and pages through TerminalUi and
// never see how they are drawn. Two adapters: blessed-ui.ts (full screen, the PC's console) and plain-ui.ts (numbered
// lines, for a serial console, TERM=dumb or a pipe).
import { openBlessedUi } from './blessed-ui.ts';
import { openPlainUi } from './plain-ui.ts';

export interface MenuEntry {
  key: string;
  label: string;
  /** A short explanation: shown after the label, and for a disabled entry, why it cannot be chosen. */
  hint?: string;
  disabled?: boolean;
}

export type FormField =
  | { kind: 'text'; name: string; label: string; initial?: string; secret?: boolean }
  | { kind: 'choice'; name: string; label: string; options: { value: string; label: string }[]; initial?: string }
  | { kind: 'yesno'; name: string; label: string; initial?: boolean };

/** By field name: a text field's string, a choice's `value`, a yes/no's boolean. */
export type FormValues = Record<string, string | boolean>;

export interface MenuScreen {
  title: string;
  subtitle?: string;
  entries: MenuEntry[];
  /** The entry selected at first (and Enter's default in the plain adapter); else the first enabled one. */
  initialKey?: string;
}

export interface FormScreen {
  title: string;
  fields: FormField[];
  submitLabel?: string;
  /** Asked on submit (the server may check the values): a string is shown and the form stays, values kept. */
  validate?: (values: FormValues) => Promise<string | null>;
}

export interface PageScreen {
  title: string;
  lines: string[];
  /** Default: one "OK" button (key 'ok'). */
  buttons?: MenuEntry[];
}

export interface TerminalUi {
  /**
   * A menu: arrow keys + Enter, or digits 1–9 choose directly; Escape → null (back). Disabled entries are shown
   * (dimmed, with their hint) and cannot be chosen.
   */
  choose(screen: MenuScreen): Promise<string | null>;
  /** A form; on submit calls validate and shows its message and stays when it returns a string; Escape → null. */
  form(screen: FormScreen): Promise<FormValues | null>;
  /**
   * A page of text (system information, an error with its log tail) with buttons; resolves with the chosen button's
   * key. Long text scrolls (PgUp/PgDn/arrows). Escape chooses only when there is a single button.
   */
  show(screen: PageScreen): Promise<string>;
  /** A one-line status while something runs ("registering…"); replaced by the next status or screen. */
  status(text: string): void;
  /** Gives the terminal back (a shell, a task's progress bars printed by other code), then takes it again. */
  suspend<T>(run: () => Promise<T>): Promise<T>;
  close(): void;
}

export interface TerminalUiOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** $TERM. */
  term: string | undefined;
  /** Both input and output are terminals. */
  isTTY: boolean;
  forcePlain?: boolean;
}

export const DEFAULT_BUTTONS: readonly MenuEntry[] = [{ key: 'ok', label: 'OK' }];

/** Full screen only on a real terminal whose type is known; everything else gets numbered lines. */
/** The full screen is laid out for 80×25 at least (the console size). */
const MIN_COLUMNS = 80;
const MIN_ROWS = 24;

/**
 * A serial console is a TTY that knows no size (0×0: the kernel cannot ask the far end), and a screen drawn for 0 rows
 * is nothing at all (seen in a VM on ttyS0): a terminal without a known size of at least 80×24 gets the plain menu.
 */
function knownSize(output: NodeJS.WritableStream): boolean {
  const { columns, rows } = output as { columns?: number; rows?: number };
  return (columns ?? 0) >= MIN_COLUMNS && (rows ?? 0) >= MIN_ROWS;
}

export function canUseFullScreen(options: TerminalUiOptions): boolean {
  return options.isTTY && options.forcePlain !== true && options.term !== undefined && options.term !== '' && options.term !== 'dumb' && knownSize(options.output);
}

export function openTerminalUi(options: TerminalUiOptions): TerminalUi {
  if (canUseFullScreen(options)) {
    try {
      return openBlessedUi(options);
    } catch (error) {
      // A terminal blessed cannot drive still gets a usable menu; the reason tells the technician what to change.
      const why = error instanceof Error ? error.message : String(error);
      options.output.write(`brume: the full-screen menu cannot start on TERM=${options.term ?? ''} (${why}); using plain text\n`);
    }
  }
  return openPlainUi(options);
}
