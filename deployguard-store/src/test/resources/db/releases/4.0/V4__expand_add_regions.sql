-- deployguard:expand (a new table: older releases keep working)
CREATE TABLE regions (code VARCHAR(8) PRIMARY KEY);
