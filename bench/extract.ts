/**
 * How much extraction costs beyond parsing: generate a large Express app (ROUTERS router files,
 * ROUTES_PER_ROUTER routes each, with controllers and shared helpers), then time, in one run and
 * alternating, (a) merely parsing every file with ts-morph and walking its tree, and (b) the whole
 * Express extraction. Prints the medians and their ratio. The aim: extraction within 3x of parsing.
 *
 *   npm run build && node dist/bench/extract.js [--routers 200] [--routes 10] [--runs 5]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Project } from 'ts-morph';
import { expressExtractor } from '../extractors/javascript/express.js';
import { loadSourceProject } from '../extractors/project.js';
import { runExtractors } from '../extractors/run.js';

const { values } = parseArgs({
  options: { routers: { type: 'string', default: '200' }, routes: { type: 'string', default: '10' }, runs: { type: 'string', default: '5' } },
});
const ROUTERS = Number(values.routers);
const ROUTES_PER_ROUTER = Number(values.routes);
const RUNS = Number(values.runs);

function generate(root: string): void {
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  write('package.json', JSON.stringify({ name: 'big-legacy', dependencies: { express: '^4.18.0' } }));
  write(
    'lib/errors.js',
    `'use strict';
function sendError(res, status, type, message) { return res.status(status).json({ error: { type: type, message: message } }); }
exports.notFound = function (res, what, id) { return sendError(res, 404, 'not_found', 'No such ' + what + ': ' + id); };
exports.badRequest = function (res, message) { return sendError(res, 400, 'invalid_request_error', message); };
`,
  );
  write(
    'lib/auth.js',
    `'use strict';\nexports.requireApiKey = function requireApiKey(req, res, next) { if (!req.get('Authorization')) return res.status(401).json({ error: 'no key' }); next(); };\n`,
  );
  const mounts: string[] = [];
  for (let r = 0; r < ROUTERS; r++) {
    const name = `resource${r}`;
    const handlers: string[] = [];
    const routes: string[] = [];
    for (let i = 0; i < ROUTES_PER_ROUTER; i++) {
      handlers.push(`function action${i}(req, res) {
  var body = req.body || {};
  if (typeof body.name !== 'string') return errors.badRequest(res, 'name must be a string');
  var row = db.prepare('SELECT * FROM ${name} WHERE id = ?').get(req.params.id);
  if (!row) return errors.notFound(res, '${name}', req.params.id);
  db.prepare('UPDATE ${name} SET name = ?, updated = ? WHERE id = ?').run(body.name, Date.now(), req.params.id);
  res.status(${i % 2 === 0 ? 200 : 201}).json({ id: row.id, name: body.name });
}
`);
      const verb = ['get', 'post', 'patch', 'delete'][i % 4]!;
      routes.push(`router.${verb}('/:id/action${i}', ${i % 3 === 0 ? '[requireApiKey], ' : ''}controller.action${i});`);
    }
    write(
      `controllers/${name}.js`,
      `'use strict';\nvar db = require('../lib/db');\nvar errors = require('../lib/errors');\n\n${handlers.join('\n')}\nmodule.exports = { ${handlers.map((_, i) => `action${i}: action${i}`).join(', ')} };\n`,
    );
    write(
      `routes/${name}.js`,
      `'use strict';\nvar express = require('express');\nvar requireApiKey = require('../lib/auth').requireApiKey;\nvar controller = require('../controllers/${name}');\nvar router = express.Router();\n${routes.join('\n')}\nmodule.exports = router;\n`,
    );
    mounts.push(`app.use('/${name}', require('./routes/${name}'));`);
  }
  write('lib/db.js', `'use strict';\nmodule.exports = { prepare: function () { return { get: function () {}, run: function () {} }; } };\n`);
  write(
    'app.js',
    `'use strict';\nvar express = require('express');\nvar app = express();\napp.use(express.json());\n${mounts.join('\n')}\nmodule.exports = app;\n`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-bench-extract-'));
try {
  generate(root);
  const files = loadSourceProject(root).files.filter((f) => f.endsWith('.js'));
  const parseOnly = () => {
    const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { allowJs: true, noLib: true } });
    let nodes = 0;
    for (const file of files) project.createSourceFile(`/${file}`, fs.readFileSync(path.join(root, file), 'utf8')).forEachDescendant(() => void nodes++);
    return nodes;
  };
  const extract = () => runExtractors(loadSourceProject(root), { extractors: [expressExtractor] });

  const endpoints = extract().endpoints.length;
  parseOnly();
  const parseTimes: number[] = [];
  const extractTimes: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let start = performance.now();
    parseOnly();
    parseTimes.push(performance.now() - start);
    start = performance.now();
    extract();
    extractTimes.push(performance.now() - start);
  }
  const parse = median(parseTimes);
  const full = median(extractTimes);
  process.stdout.write(
    `express app: ${files.length} files, ${endpoints} endpoints extracted (expected ${ROUTERS * ROUTES_PER_ROUTER})\n` +
      `parse only:  median ${parse.toFixed(0)} ms over ${RUNS} runs\n` +
      `extraction:  median ${full.toFixed(0)} ms over ${RUNS} runs\n` +
      `ratio extraction / parse: ${(full / parse).toFixed(2)}x (aim: <= 3x)\n`,
  );
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
