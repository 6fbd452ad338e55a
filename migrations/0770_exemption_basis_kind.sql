-- Issue 14: which kind of provision the legal basis of exempt sales is (art. 106e ust. 1 pkt 19;
-- FA(3) Adnotacje/Zwolnienie): a provision of the VAT Act or an act under it (P_19A), of
-- directive 2006/112/WE (P_19B) or another legal basis (P_19C). The text itself stays in
-- documents.vat_exemption_basis.
ALTER TABLE documents ADD COLUMN vat_exemption_basis_kind TEXT NOT NULL DEFAULT 'ustawa' CHECK (vat_exemption_basis_kind IN ('ustawa', 'dyrektywa', 'inna'));
