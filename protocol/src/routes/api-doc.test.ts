import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_DOC_HEADER, renderApiDoc } from './api-doc.ts';
import { routes } from './index.ts';

const docs = new URL('../../../docs/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, docs), 'utf8');

describe('docs/api.md', () => {
  it('is what scripts/api-doc.ts writes from the route table and docs/api-prose.md (run it after changing a route)', () => {
    expect(read('api.md')).toBe(renderApiDoc(read('api-prose.md')));
  });

  it('lists every route of the table by name, each with a named schema for every JSON body and answer', () => {
    const doc = renderApiDoc(read('api-prose.md'));
    expect(doc.startsWith(API_DOC_HEADER)).toBe(true);
    for (const [name, route] of Object.entries(routes))
      expect(doc, name).toContain(`| \`${name}\` | \`${route.method}`);
    expect(doc).not.toContain('unnamed schema');
  });

  it('keeps the prose users need: the token rules and the boot menu', () => {
    const doc = renderApiDoc(read('api-prose.md'));
    expect(doc).toContain('Each boot gets its own token.');
    expect(doc).toContain('A task token on an admin route is 403');
  });
});
