-- The review page asks "did any flag or award change?" after every commit it sees: these
-- indexes make MAX(updated_at) / MAX(fetched_at) and COUNT(*) lookups instead of a read of
-- every flag's evidence and every award's stored JSON.
CREATE INDEX IF NOT EXISTS flags_updated_at ON flags(updated_at);
CREATE INDEX IF NOT EXISTS award_ledger_fetched_at ON award_ledger(fetched_at);
