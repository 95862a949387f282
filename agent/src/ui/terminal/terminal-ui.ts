// The technician's terminal UI as a port: the boot menu flows ask for choices, forms and pages through TerminalUi and
// never see how they are drawn. Two adapters: blessed-ui.ts (full screen, the PC's console) and plain-ui.ts (numbered
// lines, for a serial console, TERM=dumb or a pipe); open-terminal-ui.ts picks one. This file imports nothing, so the
// adapters can depend on it without a circle.
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
