-- The recipient's id as USAspending's search gives it (`…-R` a recipient without a parent,
-- `…-C` a child of a parent, `…-P` a parent): an award page is read only when the search
-- cannot say the parent (issue 18: ask award pages only for what the search does not answer).
ALTER TABLE award_ledger ADD COLUMN recipient_id TEXT;
