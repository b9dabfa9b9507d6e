import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParityError } from '../../src/errors.js';
import { migrate } from '../../src/store/migrate.js';
import { MIGRATIONS, type Migration } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/store.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-store-'));
  file = path.join(dir, 'nested', 'parity.db');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const m1 = MIGRATIONS[0]!;
const m2: Migration = {
  version: 2,
  name: 'notes',
  up(db) {
    db.exec('CREATE TABLE notes (body TEXT NOT NULL)');
  },
};
const failing: Migration = {
  version: 2,
  name: 'broken',
  up(db) {
    db.exec('CREATE TABLE partial (x INTEGER)');
    throw new Error('boom');
  },
};

function raw<T>(target: string, read: (db: Database.Database) => T): T {
  const db = new Database(target);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function expectParityError(error: unknown, code: ParityError['code']): ParityError {
  expect(error).toBeInstanceOf(ParityError);
  const parityError = error as ParityError;
  expect(parityError.code).toBe(code);
  expect(parityError.exitCode).toBe(2);
  return parityError;
}

function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare('SELECT 1 FROM sqlite_schema WHERE type = ? AND name = ?').get('table', name) !== undefined;
}

describe('openStore', () => {
  it('creates and migrates a fresh database in WAL mode', () => {
    const store = openStore(file);
    try {
      expect(store.schemaVersion).toBe(MIGRATIONS.length);
      expect(store.migration).toEqual({ from: 0, to: MIGRATIONS.length, applied: MIGRATIONS.map((m) => m.name) });
      expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
      const meta = Object.fromEntries(
        (store.db.prepare('SELECT key, value FROM store_meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]),
      );
      expect(meta['created_by']).toMatch(/^parity \d+\.\d+\.\d+/);
      expect(Number.isNaN(Date.parse(meta['created_at'] ?? ''))).toBe(false);
    } finally {
      store.close();
    }
  });

  it('reopens an existing database without re-applying migrations', () => {
    const first = openStore(file);
    const createdAt = first.db.prepare("SELECT value FROM store_meta WHERE key = 'created_at'").pluck().get();
    first.db.prepare('INSERT INTO store_meta (key, value) VALUES (?, ?)').run('marker', 'kept');
    first.close();

    const second = openStore(file);
    try {
      expect(second.migration).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length, applied: [] });
      expect(second.db.prepare("SELECT value FROM store_meta WHERE key = 'created_at'").pluck().get()).toBe(createdAt);
      expect(second.db.prepare("SELECT value FROM store_meta WHERE key = 'marker'").pluck().get()).toBe('kept');
    } finally {
      second.close();
    }
  });

  it('applies only the pending migrations to an older database', () => {
    const v1 = openStore(file, { migrations: [m1] });
    v1.db.prepare('INSERT INTO store_meta (key, value) VALUES (?, ?)').run('marker', 'kept');
    v1.close();

    const v2 = openStore(file, { migrations: [m1, m2] });
    try {
      expect(v2.migration).toEqual({ from: 1, to: 2, applied: ['notes'] });
      expect(v2.schemaVersion).toBe(2);
      expect(tableExists(v2.db, 'notes')).toBe(true);
      expect(v2.db.prepare("SELECT value FROM store_meta WHERE key = 'marker'").pluck().get()).toBe('kept');
    } finally {
      v2.close();
    }
  });

  it('refuses a database from a newer parity and leaves it byte-for-byte unchanged', () => {
    openStore(file).close();
    raw(file, (db) => db.pragma('user_version = 99'));
    const before = fs.readFileSync(file);

    const error = expectParityError(
      catchError(() => openStore(file)),
      'STORE_TOO_NEW',
    );
    expect(error.message).toContain(file);
    expect(error.message).toContain('99');
    expect(error.message).toContain(`up to ${MIGRATIONS.length}`);
    expect(error.hint).toMatch(/upgrade parity/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('rolls back a failing migration and keeps the last good version', () => {
    openStore(file, { migrations: [m1] }).close();

    const error = expectParityError(
      catchError(() => openStore(file, { migrations: [m1, failing] })),
      'STORE_MIGRATION_FAILED',
    );
    expect(error.message).toBe(`migration 2 (broken) failed on ${file}: boom`);
    expect(error.cause).toBeInstanceOf(Error);
    raw(file, (db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      expect(tableExists(db, 'partial')).toBe(false);
      expect(tableExists(db, 'store_meta')).toBe(true);
    });
  });

  it('rejects a non-contiguous migration list as a programming error', () => {
    const gap: Migration = { ...m2, version: 3 };
    const error = catchError(() => openStore(file, { migrations: [m1, gap] }));
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ParityError);
    expect(() => raw(path.join(dir, 'other.db'), (db) => migrate(db, [m2]))).toThrow(/numbered 1\.\.1/);
  });

  it('refuses a file that is not a SQLite database', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'just some text, long enough to fill a header of one hundred bytes or so. '.repeat(3));
    const before = fs.readFileSync(file);

    const error = expectParityError(
      catchError(() => openStore(file)),
      'STORE_INVALID',
    );
    expect(error.message).toBe(`${file} is not a SQLite database`);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it("refuses another application's SQLite database and leaves its table alone", () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    raw(file, (db) => {
      db.exec('CREATE TABLE customers (name TEXT)');
      db.prepare('INSERT INTO customers VALUES (?)').run('ada');
    });
    const before = fs.readFileSync(file);

    const error = expectParityError(
      catchError(() => openStore(file)),
      'STORE_INVALID',
    );
    expect(error.message).toContain(file);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    raw(file, (db) => {
      expect(db.prepare('SELECT name FROM customers').pluck().all()).toEqual(['ada']);
      expect(tableExists(db, 'store_meta')).toBe(false);
      expect(db.pragma('user_version', { simple: true })).toBe(0);
    });
  });

  it('refuses a read-only open of a missing path without creating it', () => {
    const error = expectParityError(
      catchError(() => openStore(file, { readonly: true })),
      'STORE_INVALID',
    );
    expect(error.message).toContain(file);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(path.dirname(file))).toBe(false);
  });

  it('opens a current database read-only', () => {
    openStore(file).close();
    const store = openStore(file, { readonly: true });
    try {
      expect(store.readonly).toBe(true);
      expect(store.schemaVersion).toBe(MIGRATIONS.length);
      expect(store.db.prepare('SELECT count(*) FROM store_meta').pluck().get()).toBe(2);
      expect(() => store.db.exec("INSERT INTO store_meta VALUES ('x', 'y')")).toThrow(/readonly/);
    } finally {
      store.close();
    }
  });

  it('refuses a read-only open of a database that needs migrating', () => {
    openStore(file, { migrations: [m1] }).close();
    const error = expectParityError(
      catchError(() => openStore(file, { readonly: true, migrations: [m1, m2] })),
      'STORE_INVALID',
    );
    expect(error.message).toContain(file);
    expect(error.message).toContain('needs migrating');
    raw(file, (db) => expect(db.pragma('user_version', { simple: true })).toBe(1));
  });
});
