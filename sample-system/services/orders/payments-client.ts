// The orders service's client for the payments provider. Every charge carries the order's
// idempotency key, which is what makes retrying a charge safe: the provider answers a repeated
// key with the first charge. 5xx and connection failures are transient (retried, counted by the
// breaker); any other refusal is the provider's final word.

import { Agent, request } from 'undici';
import { IDEMPOTENCY_KEY_HEADER } from '../../shared/http.ts';

export interface ChargeRequest {
  orderId: number;
  amountCents: number;
}

export interface ChargeAnswer {
  id: string;
}

export class PaymentFailedError extends Error {
  readonly status: number;
  readonly transient: boolean;
  constructor(status: number, message: string) {
    super(`payments answered ${status}: ${message}`);
    this.name = 'PaymentFailedError';
    this.status = status;
    this.transient = status >= 500 || status === 429;
  }
}

export function isTransientPaymentError(error: Error): boolean {
  return error instanceof PaymentFailedError ? error.transient : true; // a connection failure
}

export interface PaymentsClient {
  charge(key: string, charge: ChargeRequest, signal: AbortSignal): Promise<ChargeAnswer>;
  close(): Promise<void>;
}

export function createPaymentsClient(baseUrl: URL): PaymentsClient {
  const base = baseUrl.href.replace(/\/$/, '');
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  return {
    async charge(key, charge, signal) {
      const res = await request(`${base}/payments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [IDEMPOTENCY_KEY_HEADER]: key },
        body: JSON.stringify(charge),
        signal,
        dispatcher: agent,
      });
      const text = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        const body = JSON.parse(text) as Partial<ChargeAnswer>;
        if (typeof body.id !== 'string') throw new PaymentFailedError(502, `no charge id in ${text.slice(0, 200)}`);
        return { id: body.id };
      }
      throw new PaymentFailedError(res.statusCode, text.slice(0, 200));
    },
    close: () => agent.close(),
  };
}
