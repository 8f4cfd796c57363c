import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { BudgetSpentError } from '../../sample-system/resilience/dependency.ts';
import { failureReason } from '../../sample-system/services/catalog/reads.ts';
import { isTransientPgError, QueryAbandonedError } from '../../sample-system/shared/postgres.ts';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('catalog error classification', () => {
  it('treats connection-level Postgres failures as transient', () => {
    for (const e of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('connection failure', '08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new QueryAbandonedError(new Error('timed out')),
    ])
      expect(isTransientPgError(e), e.message).toBe(true);
  });

  it('does not treat query errors as transient (retrying them cannot help)', () => {
    expect(isTransientPgError(withCode('syntax error at or near "SELEC"', '42601'))).toBe(false);
    expect(isTransientPgError(withCode('invalid input syntax for type integer', '22P02'))).toBe(false);
  });

  it('maps a failure to why the fallback was needed (and the status without one)', () => {
    expect(failureReason(new BrokenCircuitError())).toBe('breaker_open');
    expect(failureReason(new TaskCancelledError('timed out'))).toBe('timeout');
    expect(failureReason(new BudgetSpentError('postgres'))).toBe('timeout');
    expect(failureReason(withCode('connect ECONNREFUSED', 'ECONNREFUSED'))).toBe('error');
  });
});
