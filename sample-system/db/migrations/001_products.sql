-- The catalog: 1000 products, seeded deterministically so every run reads the same data.
CREATE TABLE IF NOT EXISTS products (
  id          integer PRIMARY KEY,
  name        text    NOT NULL,
  price_cents integer NOT NULL CHECK (price_cents >= 0),
  stock       integer NOT NULL CHECK (stock >= 0),
  description text    NOT NULL
);

INSERT INTO products (id, name, price_cents, stock, description)
SELECT i,
       (ARRAY['oak','steel','linen','glass','cedar','brass'])[1 + i % 6] || ' ' ||
       (ARRAY['lamp','chair','desk','mug','pen','shelf','rug','clock'])[1 + (i / 6) % 8] || ' ' || i,
       100 + (i * 7919) % 90000,
       (i * 31) % 500,
       'product number ' || i
FROM generate_series(1, 1000) AS i
ON CONFLICT (id) DO NOTHING;

CREATE INDEX IF NOT EXISTS products_name_idx ON products (lower(name));
