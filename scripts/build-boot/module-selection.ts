/** A line of kernel-config/modules.list: `GROUP PATTERN`, or `GROUP -PATTERN` to exclude. */
export interface ModuleRule {
  group: string;
  exclude: boolean;
  /** A directory under kernel/ (ends with `/`), a .ko path under kernel/, or a module name. */
  pattern: string;
}

/** What depmod wrote for the full kernel: the dependency graph, the aliases and the soft dependencies. */
export interface ModuleIndex {
  /** Module path (relative to lib/modules/VERSION) → the paths it depends on. */
  deps: Map<string, string[]>;
  /** Module name → its path. */
  byName: Map<string, string>;
  /** [alias pattern, module name] pairs from modules.alias. */
  aliases: Array<[string, string]>;
  /** Module name → the names (modules or aliases) it soft-depends on. */
  softdeps: Map<string, string[]>;
}

export const moduleName = (path: string): string =>
  (path.split('/').pop() ?? '').replace(/\.ko(\.\w+)?$/, '').replace(/-/g, '_');

export function parseRules(lines: readonly string[]): ModuleRule[] {
  return lines.map((line) => {
    const [group = '', pattern = ''] = line.split(/\s+/);
    if (group === '' || pattern === '') throw new Error(`kernel-config/modules.list: "${line}" is not "GROUP PATTERN"`);
    return { group, exclude: pattern.startsWith('-'), pattern: pattern.replace(/^-/, '') };
  });
}

export function parseModuleIndex(modulesDep: string, modulesAlias: string, modulesSoftdep: string): ModuleIndex {
  const deps = new Map<string, string[]>();
  const byName = new Map<string, string>();
  for (const line of modulesDep.split('\n')) {
    const [path, rest = ''] = line.split(':');
    if (path === undefined || path === '') continue;
    deps.set(path, rest.trim() === '' ? [] : rest.trim().split(/\s+/));
    byName.set(moduleName(path), path);
  }
  const aliases: Array<[string, string]> = [];
  for (const line of modulesAlias.split('\n')) {
    const match = /^alias (\S+) (\S+)$/.exec(line);
    if (match !== null) aliases.push([match[1] ?? '', match[2] ?? '']);
  }
  const softdeps = new Map<string, string[]>();
  for (const line of modulesSoftdep.split('\n')) {
    const match = /^softdep (\S+) (.*)$/.exec(line);
    if (match === null) continue;
    const names = (match[2] ?? '').split(/\s+/).filter((word) => word !== '' && !word.endsWith(':'));
    softdeps.set(match[1] ?? '', [...(softdeps.get(match[1] ?? '') ?? []), ...names]);
  }
  return { deps, byName, aliases, softdeps };
}

function ruleMatches(rule: ModuleRule, path: string): boolean {
  const underKernel = path.replace(/^kernel\//, '');
  if (rule.pattern.endsWith('/')) return underKernel.startsWith(rule.pattern);
  if (rule.pattern.includes('/')) return underKernel === rule.pattern;
  return moduleName(path) === rule.pattern.replace(/-/g, '_');
}

const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

/** A soft dependency names a module or an alias (`crypto-crc32c`): every module it may load. */
function resolveName(index: ModuleIndex, name: string): string[] {
  const direct = index.byName.get(name.replace(/-/g, '_'));
  if (direct !== undefined) return [direct];
  return index.aliases
    .filter(([pattern]) => pattern === name || (/[*?[]/.test(pattern) && globToRegExp(pattern).test(name)))
    .flatMap(([, module]) => {
      const path = index.byName.get(module);
      return path === undefined ? [] : [path];
    });
}

export interface Selection {
  /** Every module path to ship, sorted. */
  modules: string[];
  /** Group → how many modules its rules chose directly (before dependencies). */
  groups: Map<string, number>;
  /** Patterns that matched no module: a typo, or a driver this kernel builds in. */
  unmatched: string[];
}

/** The modules the rules choose, plus everything they need through modules.dep and modules.softdep. */
export function selectModules(index: ModuleIndex, rules: readonly ModuleRule[]): Selection {
  const chosen = new Set<string>();
  const groups = new Map<string, number>();
  const unmatched: string[] = [];
  for (const rule of rules.filter((r) => !r.exclude)) {
    const matches = [...index.deps.keys()].filter(
      (path) => ruleMatches(rule, path) && !rules.some((r) => r.exclude && ruleMatches(r, path)),
    );
    if (matches.length === 0) unmatched.push(`${rule.group} ${rule.pattern}`);
    for (const path of matches) chosen.add(path);
    groups.set(rule.group, (groups.get(rule.group) ?? 0) + matches.length);
  }
  const queue = [...chosen];
  while (queue.length > 0) {
    const path = queue.pop() ?? '';
    const needed = [
      ...(index.deps.get(path) ?? []),
      ...(index.softdeps.get(moduleName(path)) ?? []).flatMap((name) => resolveName(index, name)),
    ];
    for (const dependency of needed) {
      if (!chosen.has(dependency)) {
        chosen.add(dependency);
        queue.push(dependency);
      }
    }
  }
  return { modules: [...chosen].sort(), groups, unmatched };
}
