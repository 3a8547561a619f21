-- Once-only actions: a reputation incident becomes at most one violation.
--
-- `violations.incident_id` names the incident a violation was recorded from, written in the same
-- transaction as the violation, its penalty and the incident's `violation_id`; the unique index
-- refuses a second violation of the same incident whatever the application does.
--
-- Existing data: the violation each incident already links (`reputation_incidents.violation_id`)
-- gets its `incident_id`. Before this migration, concurrent requests could record more than one
-- violation from one incident; the extra ones were never linked to it, keep `incident_id` NULL and
-- stay what they are: ordinary violations whose penalties are in the ledger (transfers are never
-- deleted; a reviewer corrects one by overturning it, which books the compensating transfer).
-- Nothing is deleted, so the migration cannot fail on such data.
ALTER TABLE violations ADD COLUMN incident_id BIGINT REFERENCES reputation_incidents(id);
UPDATE violations SET incident_id = (
    SELECT MIN(r.id) FROM reputation_incidents r WHERE r.violation_id = violations.id
);
CREATE UNIQUE INDEX violations_by_incident ON violations (incident_id);
