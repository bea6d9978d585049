-- deployguard:expand (a nullable column: 1.0 keeps working)
ALTER TABLE orders ADD COLUMN status VARCHAR(20);
