-- Issue 18: the JPK_V7 row marks and the PIT cash method.
-- contractors.related_party: the buyer is a related party (art. 32 ust. 2 pkt 1 ustawy o VAT);
-- the buyer's sales rows carry TP (rozporządzenie MF z 15.10.2019 w sprawie JPK_V7, § 10 ust. 4).
ALTER TABLE contractors ADD COLUMN related_party INTEGER NOT NULL DEFAULT 0 CHECK (related_party IN (0, 1));
-- company.pit_cash_method: the taxpayer chose the cash method for PIT (kasowy PIT); JPK_PKPIR(3)
-- and JPK_EWP(4) carry it as Podmiot1/Kasowy_PIT. Not the VAT cash method (company.cash_accounting).
ALTER TABLE company ADD COLUMN pit_cash_method INTEGER NOT NULL DEFAULT 0 CHECK (pit_cash_method IN (0, 1));
-- Marks set by hand on the JPK_V7 page for one sales document: procedure marks the register cannot
-- know (WSTO_EE, IED, TP for a buyer not flagged, MR_T…) and GTU codes of lines sold without a
-- product. The row carries these together with the ones that come from products and contractors.
CREATE TABLE jpk_document_marks (
  document_id INTEGER NOT NULL REFERENCES documents(id),
  mark TEXT NOT NULL CHECK (mark IN ('GTU_01', 'GTU_02', 'GTU_03', 'GTU_04', 'GTU_05', 'GTU_06', 'GTU_07', 'GTU_08', 'GTU_09', 'GTU_10', 'GTU_11', 'GTU_12', 'GTU_13',
    'WSTO_EE', 'IED', 'TP', 'TT_WNT', 'TT_D', 'MR_T', 'MR_UZ', 'I_42', 'I_63', 'B_SPV', 'B_SPV_DOSTAWA', 'B_MPV_PROWIZJA')),
  updated_at TEXT NOT NULL,
  updated_by INTEGER REFERENCES users(id),
  PRIMARY KEY (document_id, mark)
);
