-- Issue 14: split payment (MPP) and GTU codes.
-- A product may be goods or a service of annex 15 to the VAT Act (art. 108a ust. 1a) and carry a
-- GTU code (GTU_01…GTU_13, JPK_V7 and FA(3) FaWiersz/GTU); '' = none.
ALTER TABLE products ADD COLUMN annex15 INTEGER NOT NULL DEFAULT 0 CHECK (annex15 IN (0, 1));
ALTER TABLE products ADD COLUMN gtu TEXT NOT NULL DEFAULT '' CHECK (gtu = '' OR gtu GLOB 'GTU_[01][0-9]');
-- The line keeps what the product said when the document was issued (FA(3) P_12_Zal_15, GTU; the
-- JPK reads document_lines.gtu).
ALTER TABLE document_lines ADD COLUMN annex15 INTEGER NOT NULL DEFAULT 0 CHECK (annex15 IN (0, 1));
ALTER TABLE document_lines ADD COLUMN gtu TEXT NOT NULL DEFAULT '';
-- "mechanizm podzielonej płatności" (art. 106e ust. 1 pkt 18a, FA(3) P_18A), decided at issue.
ALTER TABLE documents ADD COLUMN split_payment INTEGER NOT NULL DEFAULT 0 CHECK (split_payment IN (0, 1));
