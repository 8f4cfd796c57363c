// Schema migrations: every `migrations/*.sql` file in name order, each once, each in its own
// transaction, recorded in `schema_migrations`. A session-level advisory lock serializes runners,
// so replicas that start together do not race: the second waits, then finds nothing to do.

import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool } from 'pg';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** An arbitrary constant shared by every runner of this schema. */
const MIGRATION_LOCK_KEY = 7_041_965;

export interface MigrationReport {
  applied: string[];
  skipped: string[];
}

export async function listMigrations(dir: string = MIGRATIONS_DIR): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
}

export async function runMigrations(pool: Pool, dir: string = MIGRATIONS_DIR): Promise<MigrationReport> {
  const files = await listMigrations(dir);
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
      const report: MigrationReport = { applied: [], skipped: [] };
      for (const file of files) {
        if (done.has(file)) {
          report.skipped.push(file);
          continue;
        }
        const sql = await readFile(join(dir, file), 'utf8');
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${file} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
        report.applied.push(file);
      }
      return report;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } catch (error) {
    failed = error instanceof Error ? error : new Error(String(error));
    throw failed;
  } finally {
    // a broken connection must not go back into the pool
    client.release(failed);
  }
}
