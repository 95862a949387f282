// choose() on the full screen: blessed's list (arrows, Enter, Escape) plus digits 1–9 that pick an entry at once.
// A disabled entry is drawn without bold (dimmer on the console, and grey is not an option with 8 colours) and
// choosing it only says why it is not available.
import blessed from 'blessed';
import type { Frame, Symbols } from './blessed-frame.ts';
import { entryText, initialEntryIndex, unavailableText } from './entry-text.ts';
import type { MenuEntry, MenuScreen } from './terminal-ui.ts';

const menuHelp = (symbols: Symbols): string[] => [`${symbols.upDown} move`, 'Enter choose', '1-9', 'Esc back'];

/** " 1  Label - hint": bold when it can be chosen. The list parses tags, so the entry's own text is escaped. */
function itemText(entry: MenuEntry, index: number): string {
  const number = index < 9 ? String(index + 1) : ' ';
  const text = blessed.escape(entryText(entry));
  return entry.disabled === true ? ` ${number}  ${text}` : ` ${number}  {bold}${text}{/bold}`;
}

export function runMenu(frame: Frame, screen: MenuScreen): Promise<string | null> {
  const panel = frame.open(screen.title, menuHelp);
  const listTop = screen.subtitle === undefined ? 0 : 2;
  if (screen.subtitle !== undefined)
    blessed.box({ parent: panel, top: 0, left: 1, right: 1, height: 1, content: screen.subtitle });
  const list = blessed.list({
    parent: panel,
    top: listTop,
    left: 1,
    right: 1,
    bottom: 0,
    keys: true,
    tags: true,
    items: screen.entries.map(itemText),
    style: { selected: frame.palette.highlight() },
  });
  list.select(initialEntryIndex(screen.entries, screen.initialKey) ?? 0);
  list.focus();
  frame.render();

  return new Promise((resolve) => {
    const finish = (key: string | null): void => {
      frame.clear();
      resolve(key);
    };
    const choose = (index: number): void => {
      const entry = screen.entries[index];
      if (entry === undefined) return;
      if (entry.disabled === true) frame.status(unavailableText(entry), 'error');
      else finish(entry.key);
    };
    list.on('select', (_item, index) => choose(index));
    list.on('cancel', () => finish(null));
    list.on('keypress', (ch: string | undefined) => {
      if (ch === undefined || !/^[1-9]$/.test(ch)) return;
      const index = Number(ch) - 1;
      if (index >= screen.entries.length) return;
      list.select(index);
      choose(index);
    });
  });
}
