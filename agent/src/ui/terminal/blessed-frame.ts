// The full-screen frame every blessed screen sits in: a header ("Brume · title"), a bordered panel for the screen's
// own widgets, a status line and a footer with the keys. Laid out for 80×25 and 8 colours (the Linux console): nothing
// relies on grey (it is black there) or on more than the 8 basic colours; a terminal without colours (vt100, vt220 on
// a serial line) gets reverse video, bold and underline instead. Text is shown as given: these boxes do not parse
// blessed's {tags}.
import blessed, { type Widgets } from 'blessed';
import type { TerminalUiOptions } from './terminal-ui.ts';

/** The few characters that need a plain-ASCII stand-in where the terminal cannot show Unicode. */
export interface Symbols {
  dot: string;
  upDown: string;
  leftRight: string;
}

const UNICODE_SYMBOLS: Symbols = { dot: '·', upDown: '↑↓', leftRight: '←→' };
const ASCII_SYMBOLS: Symbols = { dot: '-', upDown: 'Up/Down', leftRight: 'Left/Right' };

type Style = Record<string, string | boolean>;

/** The looks every screen shares. Functions, since blessed keeps (and may change) the style object it is given. */
export interface Palette {
  bar: () => Style;
  border: () => Style;
  /** The selected entry, the focused field or button. */
  highlight: () => Style;
  field: () => Style;
  info: () => Style;
  error: () => Style;
  /** The "1:" before each button. */
  prefix: () => Style;
}

const COLOUR_PALETTE: Palette = {
  bar: () => ({ fg: 'white', bg: 'blue', bold: true }),
  border: () => ({ fg: 'cyan' }),
  highlight: () => ({ fg: 'black', bg: 'cyan' }),
  field: () => ({ fg: 'white', bg: 'blue' }),
  info: () => ({ fg: 'yellow', bold: true }),
  error: () => ({ fg: 'red', bold: true }),
  prefix: () => ({ fg: 'yellow' }),
};

// blessed folds every colour to black or red on a terminal without colours, which a colour emulator behind a vt100
// entry then shows as black on black.
const MONOCHROME_PALETTE: Palette = {
  bar: () => ({ inverse: true, bold: true }),
  border: () => ({}),
  highlight: () => ({ inverse: true }),
  field: () => ({ underline: true }),
  info: () => ({ bold: true }),
  error: () => ({ bold: true }),
  prefix: () => ({ bold: true }),
};

export interface Frame {
  readonly screen: Widgets.Screen;
  readonly symbols: Symbols;
  readonly palette: Palette;
  /** Starts a screen: header and footer set, status cleared, a fresh empty panel (the previous one destroyed). */
  open(title: string, help: (symbols: Symbols) => string[]): Widgets.BoxElement;
  /** Empties the panel: a screen that has its answer must not look as if it still waited for one. */
  clear(): void;
  status(text: string, tone?: 'info' | 'error'): void;
  render(): void;
  destroy(): void;
}

/**
 * Whether the terminal shows UTF-8 as such. blessed's own rule: a UTF-8 locale, or the terminfo entry's U8 flag — the
 * Linux console has U8#1, so it gets arrows and box lines with no LANG set (the ramdisk has none); a vt100 gets ASCII
 * and blessed draws the borders with the terminal's line-drawing set instead.
 */
function showsUnicode(screen: Widgets.Screen): boolean {
  return terminfo(screen).unicode === true || terminfo(screen).numbers['U8'] === 1;
}

/** What @types/blessed leaves out of blessed's Tput. */
function terminfo(screen: Widgets.Screen): {
  unicode?: boolean;
  colors?: number;
  numbers: Record<string, number | undefined>;
} {
  return screen.tput as unknown as ReturnType<typeof terminfo>;
}

export function createFrame(options: Pick<TerminalUiOptions, 'input' | 'output' | 'term'>): Frame {
  const screen = blessed.screen({
    // @types/blessed swaps the two stream types (input: Writable, output: Readable); blessed takes them as named.
    input: options.input as unknown as Widgets.IScreenOptions['input'],
    output: options.output as unknown as Widgets.IScreenOptions['output'],
    ...(options.term === undefined ? {} : { terminal: options.term }),
    smartCSR: true,
    autoPadding: true,
    // blessed would pop its terminfo warnings up over the menu; the fallbacks it takes are fine for a menu.
    warnings: false,
  });
  const symbols = showsUnicode(screen) ? UNICODE_SYMBOLS : ASCII_SYMBOLS;
  const palette = (terminfo(screen).colors ?? 0) >= 8 ? COLOUR_PALETTE : MONOCHROME_PALETTE;
  const header = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: 1, style: palette.bar() });
  const status = blessed.box({ parent: screen, bottom: 1, left: 0, width: '100%', height: 1 });
  const footer = blessed.box({ parent: screen, bottom: 0, left: 0, width: '100%', height: 1, style: palette.bar() });
  let panel: Widgets.BoxElement | undefined;
  let destroyed = false;

  const setStatus = (text: string, tone: 'info' | 'error' = 'info'): void => {
    status.setContent(` ${text}`);
    status.style = tone === 'error' ? palette.error() : palette.info();
  };

  const clear = (): void => {
    panel?.destroy();
    panel = undefined;
  };

  return {
    screen,
    symbols,
    palette,
    open(title, help) {
      clear();
      header.setContent(` Brume ${symbols.dot} ${title}`);
      footer.setContent(` ${help(symbols).join(` ${symbols.dot} `)}`);
      setStatus('');
      panel = blessed.box({
        parent: screen,
        top: 1,
        bottom: 2,
        left: 0,
        width: '100%',
        border: { type: 'line' },
        style: { border: palette.border() },
      });
      return panel;
    },
    clear() {
      clear();
      if (!destroyed) screen.render();
    },
    status(text, tone) {
      if (destroyed) return;
      setStatus(text, tone);
      screen.render();
    },
    render() {
      if (!destroyed) screen.render();
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      // The Linux console has no alternate screen (no smcup in its terminfo): without a clear, the last screen would
      // stay drawn under whatever is written next.
      screen.program.clear();
      screen.destroy();
    },
  };
}
