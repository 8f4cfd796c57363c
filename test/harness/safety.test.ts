import { describe, expect, it } from 'vitest';
import { assertLoopback, isLoopbackHost } from '../../harness/safety.ts';

describe('target safety', () => {
  it('allows loopback only', () => {
    for (const h of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', 'localhost']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['10.0.0.1', '192.168.1.2', '8.8.8.8', 'example.com', '0.0.0.0', '::']) expect(isLoopbackHost(h)).toBe(false);
  });
  it('refuses another target unless explicitly allowed, saying how to allow it', () => {
    expect(() => assertLoopback('http://10.1.2.3:8080', 'gateway', '')).toThrow(
      /refusing to send traffic to gateway at http:\/\/10.1.2.3:8080.*FAULTLINE_ALLOW_TARGETS=10.1.2.3/,
    );
    expect(() => assertLoopback('http://10.1.2.3:8080', 'gateway', '10.1.2.3')).not.toThrow();
    expect(() => assertLoopback('127.0.0.1:8474', 'toxiproxy', '')).not.toThrow();
  });
});
