import { describe, expect, it } from 'vitest';
import { runTool } from './exec.ts';

describe('runTool', () => {
  it('survives a tool that exits without reading its input: the exit status is the answer', async () => {
    // 50 MB cannot fit a pipe's buffer: `true` exits first and the write gets EPIPE (it used to kill the agent).
    const input = 'x'.repeat(50 * 1024 * 1024);
    await expect(runTool('true', [], { input })).resolves.toMatchObject({ code: 0 });
    await expect(runTool('false', [], { input })).rejects.toMatchObject({ code: 'TOOL_FAILED' });
  });

  it('gives a tool its whole input when it reads it', async () => {
    const input = 'line\n'.repeat(100_000);
    const result = await runTool('wc', ['-c'], { input });
    expect(Number(result.stdout.trim())).toBe(input.length);
  });
});
