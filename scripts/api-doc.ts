// Writes docs/api.md from protocol's route table and docs/api-prose.md: `node scripts/api-doc.ts` after changing a
// route (protocol/src/routes/api-doc.test.ts fails until the file is what this writes).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderApiDoc } from '@brume/protocol/api-doc';

const docs = new URL('../docs/', import.meta.url);
writeFileSync(new URL('api.md', docs), renderApiDoc(readFileSync(new URL('api-prose.md', docs), 'utf8')));
