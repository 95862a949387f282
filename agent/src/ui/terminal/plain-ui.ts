// The plain adapter: numbered lines and one question per line, for a serial console, TERM=dumb, or input from a pipe.
// Nothing but printable text and newlines is written, so any terminal (or a log file) shows it as it is.
import { entryText, initialEntryIndex, initialValues, unavailableText } from './entry-text.ts';
import { createLineReader, type LineReader } from './line-reader.ts';
import {
  DEFAULT_BUTTONS,
  type FormField,
  type FormScreen,
  type MenuEntry,
  type MenuScreen,
  type PageScreen,
  type TerminalUi,
  type TerminalUiOptions,
} from './terminal-ui.ts';

/** Typed alone at a form question: leave the form (Escape in the full-screen form). */
const BACK = '<';

type Answer<T> = { value: T } | { back: true };

export function openPlainUi(options: Pick<TerminalUiOptions, 'input' | 'output'>): TerminalUi {
  const { output } = options;
  const reader = createLineReader(options.input, output);
  const say = (text: string): void => {
    output.write(`${text}\n`);
  };
  const heading = (title: string): void => {
    const text = `Brume - ${title}`;
    say(`\n${text}\n${'='.repeat(text.length)}`);
  };

  return {
    async choose(screen: MenuScreen) {
      heading(screen.title);
      if (screen.subtitle !== undefined) say(screen.subtitle);
      const index = await pickEntry(
        reader,
        say,
        screen.entries,
        initialEntryIndex(screen.entries, screen.initialKey),
        true,
      );
      return index === undefined ? null : (screen.entries[index]?.key ?? null);
    },

    async form(screen: FormScreen) {
      heading(screen.title);
      say(`(Enter keeps the value in [brackets]; ${BACK} goes back)`);
      const values = initialValues(screen.fields);
      for (;;) {
        for (const field of screen.fields) {
          const answer = await askField(reader, say, field, values[field.name]);
          if ('back' in answer) return null;
          values[field.name] = answer.value;
        }
        const problem = (await screen.validate?.({ ...values })) ?? null;
        if (problem === null) return { ...values };
        say(`! ${problem}`);
      }
    },

    async show(screen: PageScreen) {
      heading(screen.title);
      for (const line of screen.lines) say(line);
      const buttons = screen.buttons ?? DEFAULT_BUTTONS;
      // No "back" on a page: one of its buttons is the way on.
      const index = await pickEntry(reader, say, buttons, initialEntryIndex(buttons, undefined), false);
      return buttons[index ?? 0]?.key ?? '';
    },

    status(text) {
      say(text);
    },

    async suspend(run) {
      reader.pause();
      try {
        return await run();
      } finally {
        reader.resume();
      }
    },

    close() {
      reader.close();
    },
  };
}

/** The index of the chosen entry, or undefined for "back" (0), asked until the answer is one that can be chosen. */
async function pickEntry(
  reader: LineReader,
  say: (text: string) => void,
  entries: readonly MenuEntry[],
  fallback: number | undefined,
  canGoBack: boolean,
): Promise<number | undefined> {
  entries.forEach((entry, index) => say(`  ${index + 1}. ${entryText(entry)}`));
  const defaults = [
    fallback === undefined ? undefined : `Enter = ${fallback + 1}`,
    canGoBack ? '0 = back' : undefined,
  ].filter((text) => text !== undefined);
  const prompt = `Choose [1-${entries.length}]${defaults.length > 0 ? ` (${defaults.join(', ')})` : ''}: `;
  for (;;) {
    const answer = (await reader.ask(prompt)).trim();
    if (answer === '' && fallback !== undefined) return fallback;
    if (answer === '0' && canGoBack) return undefined;
    const index = /^\d+$/.test(answer) ? Number(answer) - 1 : -1;
    const entry = entries[index];
    if (entry === undefined)
      say(
        `"${answer}" is not a choice: type a number from 1 to ${entries.length}${canGoBack ? ', or 0 to go back' : ''}.`,
      );
    else if (entry.disabled === true) say(unavailableText(entry));
    else return index;
  }
}

async function askField(
  reader: LineReader,
  say: (text: string) => void,
  field: FormField,
  current: string | boolean | undefined,
): Promise<Answer<string | boolean>> {
  if (field.kind === 'text') {
    const currentText = typeof current === 'string' ? current : '';
    const shown = currentText === '' ? '' : field.secret === true ? ' [unchanged]' : ` [${currentText}]`;
    const answer = await reader.ask(`${field.label}${shown}: `, { secret: field.secret === true });
    if (answer.trim() === BACK) return { back: true };
    return { value: answer === '' ? currentText : answer };
  }
  if (field.kind === 'choice') {
    say(`${field.label}:`);
    field.options.forEach((option, index) => say(`  ${index + 1}. ${option.label}`));
    const currentIndex = field.options.findIndex((option) => option.value === current);
    for (;;) {
      const answer = (
        await reader.ask(
          `${field.label} [1-${field.options.length}]${currentIndex >= 0 ? ` (Enter = ${currentIndex + 1})` : ''}: `,
        )
      ).trim();
      if (answer === BACK) return { back: true };
      const option =
        answer === ''
          ? field.options[currentIndex]
          : /^\d+$/.test(answer)
            ? field.options[Number(answer) - 1]
            : undefined;
      if (option !== undefined) return { value: option.value };
      say(`"${answer}" is not one of 1 to ${field.options.length}.`);
    }
  }
  const yes = current === true;
  for (;;) {
    const answer = (await reader.ask(`${field.label} [y/n] (Enter = ${yes ? 'y' : 'n'}): `)).trim().toLowerCase();
    if (answer === BACK) return { back: true };
    if (answer === '') return { value: yes };
    if (answer === 'y' || answer === 'yes') return { value: true };
    if (answer === 'n' || answer === 'no') return { value: false };
    say('Answer y or n.');
  }
}
