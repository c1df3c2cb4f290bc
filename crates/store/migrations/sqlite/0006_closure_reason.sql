-- Why a case was closed (a code of the closure_reasons vocabulary), for statistics.
ALTER TABLE cases ADD COLUMN closure_reason TEXT;
