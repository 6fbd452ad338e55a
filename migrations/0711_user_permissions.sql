-- Two more permissions (least privilege, ASVS 4.1.3):
-- perm_dokumenty: sales documents and contractors (issue, cancel, PDF, XML/zip, buyers' data);
-- perm_administracja: company-wide settings (Allegro apps and shops, the module switch, KSeF).
-- New users get neither unless the owner ticks them; users that exist now keep the documents
-- access they had (everyone could issue before), but not administration.
ALTER TABLE users ADD COLUMN perm_dokumenty INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN perm_administracja INTEGER NOT NULL DEFAULT 0;
UPDATE users SET perm_dokumenty = 1;
UPDATE users SET perm_administracja = 1 WHERE role = 'owner';
