// Which adapter of the TerminalUi port a terminal gets: the full screen where it can be drawn, numbered lines elsewhere.
import { openBlessedUi } from './blessed-ui.ts';
import { openPlainUi } from './plain-ui.ts';
import type { TerminalUi, TerminalUiOptions } from './terminal-ui.ts';

/** The full screen is laid out for 80×25 at least (the PC's text console). */
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

/** Full screen only on a real terminal whose type is known; everything else gets numbered lines. */
export function canUseFullScreen(options: TerminalUiOptions): boolean {
  return (
    options.isTTY &&
    options.forcePlain !== true &&
    options.term !== undefined &&
    options.term !== '' &&
    options.term !== 'dumb' &&
    knownSize(options.output)
  );
}

export function openTerminalUi(options: TerminalUiOptions): TerminalUi {
  if (canUseFullScreen(options)) {
    try {
      return openBlessedUi(options);
    } catch (error) {
      // A terminal blessed cannot drive still gets a usable menu; the reason tells the technician what to change.
      const why = error instanceof Error ? error.message : String(error);
      options.output.write(
        `brume: the full-screen menu cannot start on TERM=${options.term ?? ''} (${why}); using plain text\n`,
      );
    }
  }
  return openPlainUi(options);
}
