import { describe, expect, it } from 'vitest';
import { acknowledgedOrdersCheck, orderProblems } from '../../sample-system/checks/orders.ts';

const row = (key: string, ids: number[], confirmed = ids.length) => ({ key, ids, confirmed });

describe('the acknowledged-orders data check', () => {
  it('passes when every acknowledged key has one confirmed row under the id the client was given', () => {
    const check = acknowledgedOrdersCheck(
      [
        { key: 'a', orderId: 1 },
        { key: 'b', orderId: 2 },
      ],
      [row('a', [1]), row('b', [2])],
    );
    expect(check).toMatchObject({ status: 'pass', measured: 0, threshold: 0, kind: 'data' });
    expect(check.why).toBe('all 2 acknowledged orders were found once each, confirmed, under the id the client was given');
  });

  it('fails a lost order, naming its key', () => {
    const check = acknowledgedOrdersCheck(
      [
        { key: 'a', orderId: 1 },
        { key: 'b', orderId: 2 },
      ],
      [row('a', [1])],
    );
    expect(check).toMatchObject({ status: 'fail', measured: 1 });
    expect(check.why).toBe('1 of 2 acknowledged orders are not in Postgres exactly once (1 lost); e.g. b: acknowledged as order 2, but no row has this key');
  });

  it('fails a doubled order, and one acknowledged twice under two ids', () => {
    expect(orderProblems([{ key: 'a', orderId: 1 }], [row('a', [1, 7])])).toEqual([{ key: 'a', problem: 'doubled', detail: '2 rows (1, 7)' }]);
    expect(
      orderProblems(
        [
          { key: 'a', orderId: 1 },
          { key: 'a', orderId: 2 },
        ],
        [row('a', [1])],
      )[0]?.problem,
    ).toBe('doubled');
  });

  it('fails an order stored under another id than acknowledged, or left unconfirmed', () => {
    expect(orderProblems([{ key: 'a', orderId: 1 }], [row('a', [2])])[0]?.problem).toBe('other-id');
    expect(orderProblems([{ key: 'a', orderId: 1 }], [row('a', [1], 0)])[0]?.problem).toBe('unconfirmed');
  });

  it('accepts an acknowledgement without an id when the key has one confirmed row', () => {
    expect(orderProblems([{ key: 'a', orderId: null }], [row('a', [5])])).toEqual([]);
  });

  it('is inconclusive when nothing was acknowledged: nothing was checked', () => {
    expect(acknowledgedOrdersCheck([], [])).toMatchObject({ status: 'inconclusive', measured: null });
  });

  it('shows three examples and counts the rest', () => {
    const acks = ['a', 'b', 'c', 'd', 'e'].map((key, i) => ({ key, orderId: i }));
    const check = acknowledgedOrdersCheck(acks, []);
    expect(check.why).toMatch(/^5 of 5 acknowledged orders are not in Postgres exactly once \(5 lost\); e\.g\. a: .*; c: [^;]*; and 2 more$/);
  });
});
