DROP TABLE agreement_signatures;
DROP TABLE agreement_versions;
DROP TABLE agreements;
