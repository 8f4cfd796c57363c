-- 1000 products, ids 1..1000, with names that make `GET /search?q=` meaningful
-- ("Blue Lamp 17"). Only into an empty table.
INSERT INTO products (id, name, price_cents, stock, description)
SELECT g,
       (ARRAY['Red', 'Blue', 'Green', 'Black', 'White', 'Steel', 'Oak', 'Wool'])[1 + g % 8] || ' ' ||
       (ARRAY['Mug', 'Lamp', 'Chair', 'Desk', 'Kettle', 'Scarf', 'Clock', 'Shelf', 'Bottle', 'Rug'])[1 + (g / 8) % 10] || ' ' || g,
       199 + (g * 7919) % 20000,
       (g * 31) % 250,
       'Sample product ' || g || ' of the faultline reference shop.'
FROM generate_series(1, 1000) AS g
WHERE NOT EXISTS (SELECT 1 FROM products);
