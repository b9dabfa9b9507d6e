/** `npm run schema`: regenerate specs/schema.json from the zod schema. */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-info.js';
import { specJsonSchemaText } from './json-schema.js';

const target = path.join(packageRoot(), 'specs', 'schema.json');
fs.writeFileSync(target, specJsonSchemaText());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
