import { describe, expect, it } from 'vitest';
import { taskKindCatalog } from './catalog.ts';
import { bytesMoved, kindDeclaration, kindDeclarations, taskKinds, TaskKind } from './index.ts';

describe('the task kind registry', () => {
  it.each(Object.entries(taskKinds))(
    '%s: its key is its kind, its flags set params it has, its synopsis names them',
    (key, declaration) => {
      expect(declaration.kind).toBe(key);
      const params = Object.keys(declaration.params.shape);
      for (const flag of declaration.flags) {
        expect(params, `--${flag.name}`).toContain(flag.param);
        expect(declaration.synopsis, `--${flag.name}`).toContain(`--${flag.name}`);
      }
      // A kind offered at the PC works on its disk: the menu asks for the disk before anything else.
      if (declaration.menu !== false) expect(declaration.needsDisk).toBe(true);
    },
  );

  it('derives TaskKind from the registry, and refuses an undeclared kind with a BAD_REQUEST', () => {
    expect(TaskKind.options).toEqual(Object.keys(taskKinds));
    expect(() => kindDeclaration('reboot' as TaskKind)).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringContaining('"reboot" is not a task kind') }),
    );
  });

  it('reads the bytes a task moved from its result as its kind declares it, and none from a result that does not fit', () => {
    const surface = {
      disk: '/dev/sda',
      bytes: 4096,
      sectorBytes: 512,
      readMode: 'direct',
      badSectors: [],
      badSectorCount: 0,
      readErrors: 0,
      smart: { before: null, after: null },
      throughput: [],
      seconds: 1,
    };
    expect(bytesMoved('surface-test', surface)).toBe(4096);
    expect(bytesMoved('surface-test', { ...surface, bytes: -1 })).toBeNull();
    expect(bytesMoved('inventory', { inventory: {} })).toBeNull();
  });

  it('describes every kind as JSON, its params as JSON Schema', () => {
    const { kinds } = taskKindCatalog();
    expect(kinds.map((kind) => kind.kind)).toEqual(kindDeclarations.map((kind) => kind.kind));
    expect(kinds.find((kind) => kind.kind === 'recover')?.params).toMatchObject({
      type: 'object',
      properties: { destination: { type: 'string', default: 'server' } },
    });
    expect(JSON.parse(JSON.stringify(kinds))).toEqual(kinds);
  });
});
