// show() on the full screen: the text in a scrollable box the whole width of the panel (78 columns at 80: no
// scrollbar, which blessed draws over the last column of text), the buttons in blessed's listbar under it. The
// buttons keep the focus; the scrolling keys are passed on to the text, and the panel's border says which lines show.
import blessed, { type Widgets } from 'blessed';
import type { Frame, Symbols } from './blessed-frame.ts';
import { unavailableText } from './entry-text.ts';
import { DEFAULT_BUTTONS, type PageScreen } from './terminal-ui.ts';

const pageHelp =
  (single: boolean) =>
  (symbols: Symbols): string[] => [
    `${symbols.upDown} PgUp/PgDn scroll`,
    ...(single ? ['Enter OK', 'Esc close'] : [`${symbols.leftRight} button`, 'Enter choose', '1-9']),
  ];

export function runPage(frame: Frame, screen: PageScreen): Promise<string> {
  const buttons = screen.buttons ?? DEFAULT_BUTTONS;
  const single = buttons.length === 1;
  const panel = frame.open(screen.title, pageHelp(single));
  const text = blessed.box({
    parent: panel,
    top: 0,
    left: 0,
    right: 0,
    bottom: 2,
    content: screen.lines.join('\n'),
    scrollable: true,
    alwaysScroll: true,
  });
  // @types/blessed wants {key, callback} items and `commands`; blessed 0.1.81 takes plain strings, numbered "1:", "2:"…
  const bar = blessed.listbar({
    parent: panel,
    bottom: 0,
    left: 0,
    right: 0,
    height: 1,
    keys: true,
    // The listbar's own items parse tags: the labels are escaped. Its default prefix colour is grey (black at 8 colours).
    items: buttons.map((button) => blessed.escape(button.label)),
    style: { item: frame.palette.field(), selected: frame.palette.highlight(), prefix: frame.palette.prefix() },
  } as unknown as Widgets.ListbarOptions);

  const showPosition = (): void => {
    const visible = Number(text.height);
    const total = text.getScrollHeight();
    if (total <= visible) return;
    const first = Math.min(text.getScroll(), total - visible) + 1;
    panel.setLabel({ text: ` lines ${first}-${first + visible - 1} of ${total} `, side: 'right' });
  };
  const scrollBy = (lines: number): void => {
    text.scroll(lines);
    showPosition();
    frame.render();
  };

  bar.focus();
  frame.render();
  // Known only once the text has been laid out.
  showPosition();
  frame.render();

  return new Promise((resolve) => {
    const choose = (index: number): void => {
      const button = buttons[index];
      if (button === undefined) return;
      if (button.disabled === true) {
        frame.status(unavailableText(button), 'error');
        return;
      }
      frame.clear();
      resolve(button.key);
    };
    const page = (): number => Math.max(1, Number(text.height) - 1);
    bar.on('select', (_item: unknown, index: number) => choose(index));
    bar.on('cancel', () => {
      if (single) choose(0);
    });
    bar.on('keypress', (ch: string | undefined, key: { name?: string }) => {
      if (key.name === 'up') scrollBy(-1);
      else if (key.name === 'down') scrollBy(1);
      else if (key.name === 'pageup') scrollBy(-page());
      else if (key.name === 'pagedown') scrollBy(page());
      else if (key.name === 'home') scrollBy(-text.getScrollHeight());
      else if (key.name === 'end') scrollBy(text.getScrollHeight());
      else if (ch !== undefined && /^[1-9]$/.test(ch)) choose(Number(ch) - 1);
    });
  });
}
