// Fails when the project's modules import each other in a circle (lint runs it). A circle means no module of it can be
// read, tested or loaded on its own, and ESM hands a module of the circle another's bindings before they are set.
// The imports are read by TypeScript's own pre-processor (type-only imports count: they are a circle for the reader).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOTS = ['protocol/src', 'agent/src', 'agent/sea', 'server/src', 'server/cli', 'bin', 'scripts', 'bench', 'test'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Each file's relative imports that name another file of the set. */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const targets = importedFiles
        .map(({ fileName }) => fileName)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => resolve(dirname(file), spec))
        .filter((target) => known.has(target));
      return [file, targets];
    }),
  );
}

/** Tarjan's strongly connected components: every group of two or more files, or a file importing itself. */
function importCycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file) ?? 0);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      group.push(member);
      if (member === file) break;
    }
    if (group.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(group.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

// The checkout this script is in, or the one named (its tests check a tree they make).
const root = resolve(process.argv[2] ?? join(dirname(new URL(import.meta.url).pathname), '..'));
const files = ROOTS.flatMap((dir) => (existsSync(join(root, dir)) ? tsFiles(join(root, dir)) : []));
const cycles = importCycles(importGraph(files));
for (const group of cycles) {
  process.stderr.write(
    `import circle of ${group.length} files:\n${group.map((f) => `  ${relative(root, f)}\n`).join('')}`,
  );
}
process.exitCode = cycles.length === 0 ? 0 : 1;
