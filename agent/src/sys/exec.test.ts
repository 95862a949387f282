import { describe, expect, it } from 'vitest';
import { abortableRunner, runTool, spawnTool } from './exec.ts';

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

  it("stops a tool when the task's signal aborts: SIGTERM, then SIGKILL for one that ignores it; it rejects with the reason", async () => {
    const controller = new AbortController();
    const run = abortableRunner(runTool, controller.signal);
    // It ignores SIGTERM, and the `sleep` it started keeps its stdout open after it is killed.
    const stubborn = run('sh', ['-c', 'trap "" TERM; sleep 3 & wait; sleep 3']);
    setTimeout(() => controller.abort(new Error('cancelled by the server')), 100);
    await expect(stubborn).rejects.toThrow('cancelled by the server');
    // After the abort a tool runs whole: the cleanup (unmount, logs) is not stopped by it.
    await expect(run('echo', ['cleanup'])).resolves.toMatchObject({ stdout: 'cleanup\n' });
  });

  it('stops a spawned stream tool when the signal aborts', async () => {
    const controller = new AbortController();
    const child = spawnTool('sleep', ['30'], { stdio: 'ignore', signal: controller.signal });
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    controller.abort();
    expect(await exited).toBe('SIGTERM');
  });

  it("lets an uninterruptible command (a drive's secure erase) run to its end through a cancel", async () => {
    const controller = new AbortController();
    const run = abortableRunner(runTool, controller.signal);
    const erase = run('sh', ['-c', 'sleep 0.3; echo erased'], { uninterruptible: true });
    controller.abort(new Error('cancelled by the server'));
    await expect(erase).resolves.toMatchObject({ stdout: 'erased\n' });
  });
});
