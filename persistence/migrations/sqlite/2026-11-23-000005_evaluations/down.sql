DROP TABLE submission_scores;
DROP TABLE submissions;
DROP TABLE cycle_extensions;
DROP TABLE cycles;
DROP TABLE framework_versions;
DROP TABLE frameworks;
