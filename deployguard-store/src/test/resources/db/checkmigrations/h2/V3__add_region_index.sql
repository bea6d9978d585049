CREATE INDEX orders_by_region ON orders (region);
