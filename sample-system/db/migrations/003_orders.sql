-- Orders and their idempotency keys. The key table's primary key is the durable truth that makes
-- a retried POST /orders return the first order instead of a second one; orders.idempotency_key
-- is deliberately not unique, so the after-run check ("every acknowledged order exactly once")
-- measures something, and switching the idempotency pattern off really can double an order.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  key          text PRIMARY KEY,
  request_hash text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS orders (
  id              bigserial PRIMARY KEY,
  idempotency_key text NOT NULL,
  tenant          text NOT NULL,
  product_id      int NOT NULL REFERENCES products (id),
  quantity        int NOT NULL CHECK (quantity > 0),
  amount_cents    bigint NOT NULL CHECK (amount_cents >= 0),
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'declined')),
  payment_id      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  confirmed_at    timestamptz
);

CREATE INDEX IF NOT EXISTS orders_idempotency_key ON orders (idempotency_key);
