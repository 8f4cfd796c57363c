CREATE TABLE IF NOT EXISTS products (
  id          int PRIMARY KEY,
  name        text NOT NULL,
  price_cents int NOT NULL CHECK (price_cents >= 0),
  stock       int NOT NULL CHECK (stock >= 0),
  description text NOT NULL DEFAULT ''
);
