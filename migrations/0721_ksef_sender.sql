-- KSeF sending (issue 13): the Ministry's own key identifier kept with each cached certificate
-- (sent back as publicKeyId, so a key rotation is unambiguous), and the NIP context of the
-- connection when it is not the company's NIP (e.g. the simulator's demo company).
ALTER TABLE ksef_public_keys ADD COLUMN public_key_id TEXT;
ALTER TABLE ksef_connection ADD COLUMN context_nip TEXT;
-- ksef_submissions.next_attempt_at NULL with state do_wyslania means "file fixed, not queued":
-- the sender takes only rows someone queued (issuing with auto-send, Wyślij do KSeF, the worker's
-- retries). This index serves the worker's "what is due" query.
CREATE INDEX ksef_submissions_claims ON ksef_submissions (next_attempt_at, claimed_until);
