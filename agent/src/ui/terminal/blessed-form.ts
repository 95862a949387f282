// form() on the full screen: one row per field (a label, then the control), a submit button, and a line for the
// validator's message. Text fields are blessed textboxes, but the keys are handled here: blessed's readInput() grabs
// every key while a field is edited, turns Tab into a character and reports leaving the field as a cancel, which
// makes a form that moves between fields with Tab and arrows unreliable. Choices and yes/no are one-line selectors.
import blessed, { type Widgets } from 'blessed';
import type { Frame, Palette, Symbols } from './blessed-frame.ts';
import { initialValues } from './entry-text.ts';
import type { FormField, FormScreen, FormValues } from './terminal-ui.ts';

const formHelp = (symbols: Symbols): string[] => [
  `Tab/${symbols.upDown} field`,
  `${symbols.leftRight}/Space change`,
  'Enter next',
  'Esc back',
];

const LABEL_WIDTH_MAX = 30;

interface Key {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

/** What a key did to a control: nothing (the form may use it), or it was the control's own. */
type Handled = boolean;

interface Control {
  element: Widgets.BlessedElement;
  /** Text fields show the terminal's cursor; blessed itself moves it to a focused textbox's end after each render. */
  showsCursor: boolean;
  key(ch: string | undefined, key: Key): Handled;
}

const isPrintable = (ch: string | undefined, key: Key): ch is string =>
  ch !== undefined && key.ctrl !== true && key.meta !== true && ch.length === 1 && ch >= ' ' && ch !== '\x7f';

function textControl(element: Widgets.TextboxElement, get: () => string, set: (value: string) => void): Control {
  const show = (value: string): void => {
    set(value);
    element.setValue(value);
  };
  show(get());
  return {
    element,
    showsCursor: true,
    key(ch, key) {
      if (key.name === 'backspace') show(get().slice(0, -1));
      else if (key.ctrl === true && key.name === 'u') show('');
      else if (isPrintable(ch, key)) show(get() + ch);
      else return false;
      return true;
    },
  };
}

/** A one-line "< option >" that Left/Right/Space cycle through; `letters` pick an option directly (y/n). */
function selectorControl(
  element: Widgets.BoxElement,
  labels: string[],
  get: () => number,
  set: (index: number) => void,
  letters: string[] = [],
): Control {
  const show = (index: number): void => {
    const count = labels.length;
    if (count > 0) set(((index % count) + count) % count);
    element.setContent(`< ${labels[get()] ?? ''} >`);
  };
  show(get());
  return {
    element,
    showsCursor: false,
    key(ch, key) {
      const letter = ch === undefined ? -1 : letters.indexOf(ch.toLowerCase());
      if (key.name === 'left') show(get() - 1);
      else if (key.name === 'right' || key.name === 'space') show(get() + 1);
      else if (letter >= 0) show(letter);
      else return false;
      return true;
    },
  };
}

const fieldStyle = (palette: Palette) => ({ ...palette.field(), focus: palette.highlight() });

function createControl(
  panel: Widgets.BoxElement,
  palette: Palette,
  field: FormField,
  values: FormValues,
  position: { top: number; left: number },
): Control {
  const place = { parent: panel, ...position, right: 1, height: 1, style: fieldStyle(palette) };
  if (field.kind === 'text') {
    const box = blessed.textbox({ ...place, censor: field.secret === true });
    return textControl(
      box,
      () => String(values[field.name] ?? ''),
      (value) => {
        values[field.name] = value;
      },
    );
  }
  const box = blessed.box(place);
  if (field.kind === 'choice') {
    const labels = field.options.map((option) => option.label);
    return selectorControl(
      box,
      labels,
      () =>
        Math.max(
          0,
          field.options.findIndex((option) => option.value === values[field.name]),
        ),
      (index) => {
        values[field.name] = field.options[index]?.value ?? '';
      },
    );
  }
  return selectorControl(
    box,
    ['Yes', 'No'],
    () => (values[field.name] === true ? 0 : 1),
    (index) => {
      values[field.name] = index === 0;
    },
    ['y', 'n'],
  );
}

export function runForm(frame: Frame, screen: FormScreen): Promise<FormValues | null> {
  const panel = frame.open(screen.title, formHelp);
  const values = initialValues(screen.fields);
  const innerHeight = Number(panel.height) - 2;
  // A blank row between fields while they fit (the button and the message need three rows below them).
  const step = screen.fields.length * 2 + 3 <= innerHeight ? 2 : 1;
  const labelWidth = Math.min(LABEL_WIDTH_MAX, Math.max(0, ...screen.fields.map((field) => field.label.length)) + 1);
  const controls = screen.fields.map((field, index) => {
    blessed.box({ parent: panel, top: index * step, left: 1, width: labelWidth, height: 1, content: field.label });
    return createControl(panel, frame.palette, field, values, { top: index * step, left: labelWidth + 3 });
  });
  const buttonTop = screen.fields.length * step + (step === 2 ? 0 : 1);
  const button = blessed.button({
    parent: panel,
    top: buttonTop,
    left: labelWidth + 3,
    height: 1,
    shrink: true,
    content: ` ${screen.submitLabel ?? 'OK'} `,
    style: fieldStyle(frame.palette),
  });
  const message = blessed.box({
    parent: panel,
    top: buttonTop + 2,
    left: 1,
    right: 1,
    height: 1,
    style: frame.palette.error(),
  });
  const focusables: Widgets.BlessedElement[] = [...controls.map((control) => control.element), button];
  let focused = 0;
  let busy = false;

  const placeCursor = (): void => {
    if (controls[focused]?.showsCursor === true) frame.screen.program.showCursor();
    else frame.screen.program.hideCursor();
  };
  frame.screen.on('render', placeCursor);

  const focus = (index: number): void => {
    focused = (index + focusables.length) % focusables.length;
    focusables[focused]?.focus();
    frame.render();
  };

  return new Promise((resolve, reject) => {
    const close = (): void => {
      frame.screen.removeListener('render', placeCursor);
      frame.screen.program.hideCursor();
      frame.status('');
      frame.clear();
    };
    const finish = (result: FormValues | null): void => {
      close();
      resolve(result);
    };

    const submit = async (): Promise<void> => {
      busy = true;
      message.setContent('');
      frame.status('Checking...');
      let problem: string | null;
      try {
        problem = (await screen.validate?.({ ...values })) ?? null;
      } catch (error) {
        // The validator could not answer (the server is down): the flow decides what happens next, not the form.
        close();
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      busy = false;
      if (problem === null) {
        finish({ ...values });
        return;
      }
      message.setContent(problem);
      frame.status('');
    };

    const onKey =
      (index: number) =>
      (ch: string | undefined, key: Key): void => {
        if (busy) return;
        if (key.name === 'escape') finish(null);
        else if (key.name === 'tab') focus(index + (key.shift === true ? -1 : 1));
        else if (key.name === 'down') focus(index + 1);
        else if (key.name === 'up') focus(index - 1);
        else if (key.name === 'enter' && index === focusables.length - 1) void submit();
        else if (key.name === 'enter') focus(index + 1);
        else if (index === focusables.length - 1 && key.name === 'space') void submit();
        else if (controls[index]?.key(ch, key) === true) frame.render();
      };
    focusables.forEach((element, index) => element.on('keypress', onKey(index)));
    focus(0);
  });
}
