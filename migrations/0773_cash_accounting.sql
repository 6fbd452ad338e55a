-- Issue 14: metoda kasowa (art. 21 ustawy o VAT): a small taxpayer's choice, shown on its invoices
-- ("metoda kasowa", art. 106e ust. 1 pkt 16; FA(3) P_16). The document keeps what applied when
-- it was issued.
ALTER TABLE company ADD COLUMN cash_accounting INTEGER NOT NULL DEFAULT 0 CHECK (cash_accounting IN (0, 1));
ALTER TABLE documents ADD COLUMN cash_accounting INTEGER NOT NULL DEFAULT 0 CHECK (cash_accounting IN (0, 1));
