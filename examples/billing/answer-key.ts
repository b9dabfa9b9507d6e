/**
 * DIFFERENCES.md as data: the answer key that tests and the demo hold parity's findings against.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/package-info.js';

export const ANSWER_CATEGORIES = ['quirk kept', 'bug fixed', 'regression'] as const;
export type AnswerCategory = (typeof ANSWER_CATEGORIES)[number];

export interface AnswerKeyRow {
  /** Q1.., B1.., R1.. */
  id: string;
  category: AnswerCategory;
  /** The endpoints the row names ("POST /invoices"); empty when it says "every endpoint". */
  endpoints: string[];
  where: string;
  legacy: string;
  rewrite: string;
}

export function answerKeyPath(): string {
  return path.join(packageRoot(), 'examples', 'billing', 'DIFFERENCES.md');
}

export function readAnswerKey(file: string = answerKeyPath()): AnswerKeyRow[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /^\| [QBR]\d+ \|/.test(line))
    .map((line) => {
      const cells = line.split('|').map((cell) => cell.trim());
      const [, id, category, endpoints, where, legacy, rewrite] = cells;
      if (!(ANSWER_CATEGORIES as readonly string[]).includes(category!)) {
        throw new Error(`${file}: row ${id}: category "${category}" is not one of ${ANSWER_CATEGORIES.join(', ')}`);
      }
      return {
        id: id!,
        category: category as AnswerCategory,
        endpoints: endpoints === 'every endpoint' ? [] : endpoints!.split(/,\s*/),
        where: where!,
        legacy: legacy!,
        rewrite: rewrite!,
      };
    });
}
