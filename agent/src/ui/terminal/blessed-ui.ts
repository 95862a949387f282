// The full-screen adapter (blessed) for the PC's own console: keyboard only, 80×25, TERM=linux. One screen at a time:
// each call draws its widgets in the frame's panel and clears them once it has its answer.
import { createFrame, type Frame } from './blessed-frame.ts';
import { runForm } from './blessed-form.ts';
import { runMenu } from './blessed-menu.ts';
import { runPage } from './blessed-page.ts';
import type { TerminalUi, TerminalUiOptions } from './terminal-ui.ts';

/** Throws if blessed cannot take the terminal; openTerminalUi then falls back to the plain adapter. */
export function openBlessedUi(options: Pick<TerminalUiOptions, 'input' | 'output' | 'term'>): TerminalUi {
  let frame: Frame = createFrame(options);
  return {
    choose: (screen) => runMenu(frame, screen),
    form: (screen) => runForm(frame, screen),
    show: (screen) => runPage(frame, screen),
    status: (text) => frame.status(text),
    async suspend(run) {
      // The screen is destroyed, not paused: blessed's pause() swaps the output stream's write() for a no-op, which
      // would swallow the very output (a shell, progress bars) the terminal is given back for. A new screen takes the
      // terminal again afterwards.
      frame.destroy();
      try {
        return await run();
      } finally {
        frame = createFrame(options);
      }
    },
    close() {
      frame.destroy();
    },
  };
}
