import { describe, expect, it } from 'vitest';
import type { TerminalUi } from '../ui/terminal/terminal-ui.ts';
import type { MenuDeps } from './menu-deps.ts';
import { runTaskFailure, type BootTaskFailure } from './menu-flow.ts';

/** A terminal that answers show() with scripted button keys and records every page it was shown. */
function scriptedUi(answers: string[]): {
  ui: TerminalUi;
  pages: { title: string; lines: string[]; buttons: string[] }[];
} {
  const pages: { title: string; lines: string[]; buttons: string[] }[] = [];
  const ui: TerminalUi = {
    choose: async () => null,
    form: async () => null,
    show: async (screen) => {
      pages.push({
        title: screen.title,
        lines: screen.lines,
        buttons: (screen.buttons ?? []).map((button) => button.label),
      });
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`no scripted answer for "${screen.title}"`);
      return answer;
    },
    status: () => undefined,
    suspend: (run) => run(),
    close: () => undefined,
  };
  return { ui, pages };
}

function deps(ui: TerminalUi, powered: string[]): MenuDeps {
  return {
    ui,
    server: 'http://127.0.0.1:1',
    retryDeadlineMs: 0,
    collect: async () => {
      throw new Error('not reached');
    },
    runTask: async () => ({ ok: true, summary: '' }),
    disksText: async () => [],
    shell: async () => undefined,
    targetDisk: async () => undefined,
    interactive: async () => [],
    power: async (action) => void powered.push(action),
  };
}

const failure = (kind: string, retryImage: string | null): BootTaskFailure => ({
  taskId: 12,
  kind,
  retryImage,
  outcome: {
    ok: false,
    step: 'deploy: restore d1p2',
    code: 'CHUNK_CORRUPT',
    message: 'd1p2.pc.zst chunk 3 is corrupt',
    logTail: ['{"type":"log","ts":"2026-11-23T10:00:00.000Z","level":"info","message":"restore d1p2"}'],
    logsShipped: true,
  },
});

describe('the failure screen of a network-booted task', () => {
  it('shows the step, the code, the message, where the logs are and the log tail, with Retry for a deploy', async () => {
    const { ui, pages } = scriptedUi(['shell']);
    expect(await runTaskFailure(deps(ui, []), failure('deploy', 'win11'))).toBe('quit');
    expect(pages[0]).toEqual({
      title: 'Task 12 (deploy) failed',
      lines: [
        'step:     deploy: restore d1p2',
        'error:    CHUNK_CORRUPT',
        'message:  d1p2.pc.zst chunk 3 is corrupt',
        'logs:     on the server (brume task logs 12)',
        '',
        'last log lines:',
        '  10:00:00 info  restore d1p2',
      ],
      buttons: ['Retry', 'Debug shell', 'Reboot', 'Brume menu'],
    });
  });

  it('offers no Retry for a capture (the server re-creates it), and Reboot reboots', async () => {
    const { ui, pages } = scriptedUi(['reboot']);
    const powered: string[] = [];
    expect(await runTaskFailure(deps(ui, powered), failure('capture', null))).toBe('reboot');
    expect(pages[0]?.buttons).toEqual(['Debug shell', 'Reboot', 'Brume menu']);
    expect(powered).toEqual(['reboot']);
  });
});
