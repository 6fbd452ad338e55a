-- Issue 14: when a correction is settled (art. 29a ustawy o VAT). A decrease of the tax base is
-- settled in the period the correction is issued, or later, when the documentation of the terms
-- agreed with the buyer is obtained (ust. 13); an increase in the period its cause arose (ust. 17),
-- which is the original sale's when the cause existed at the sale (an error on the invoice).
-- documents.settlement_date: the day whose month the ledger and JPK book the document in, when the
-- usual rule does not give it; set for corrections, null for everything else and for corrections
-- issued before this migration (booked on their issue date, as before).
-- corrections.effect: FA(3) TypKorekty (1 in the original's period, 2 in the correction's, 3 other);
-- corrections.settlement: the user's choice on the form that decided both.
ALTER TABLE documents ADD COLUMN settlement_date TEXT;
ALTER TABLE corrections ADD COLUMN effect INTEGER CHECK (effect IN (1, 2, 3));
ALTER TABLE corrections ADD COLUMN settlement TEXT CHECK (settlement IN ('wystawienie', 'dokumentacja', 'pierwotny', 'przyczyna'));

-- The day the business started (USTAWIENIA » Firma): in its first year the VAT exemption limit is
-- proportional to the days of activity (art. 113 ust. 9); null: active before the year began.
ALTER TABLE company ADD COLUMN activity_start_date TEXT;
-- Goods and services that exclude the subjective exemption whatever the turnover (art. 113
-- ust. 13), e.g. excise goods, or electronics and cosmetics sold at a distance: an exempt seller
-- cannot sell them without VAT.
ALTER TABLE products ADD COLUMN exemption_excluded INTEGER NOT NULL DEFAULT 0 CHECK (exemption_excluded IN (0, 1));
