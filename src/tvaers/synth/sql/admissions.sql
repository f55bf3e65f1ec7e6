-- Admissions derived from LPR3-like contacts (indicators.md, "Admissions from LPR3").
-- An admission is a chain of physical contacts of one person where each next contact starts
-- at most {gap_minutes} minutes after the latest end so far (a transfer), lasting at least
-- {min_minutes} minutes from the first start to the last end. The chain's priority is that
-- of its first contact; discharge = the end of the chain. A transfer is never a readmission:
-- it is inside the chain by construction.
-- Needs a view or table `lpr_contacts` (docs/data-formats.md).

CREATE OR REPLACE TEMP VIEW contact_chains AS
WITH ordered AS (
    SELECT contact_id, cpr, sor_unit, "start", "end", priority,
           max("end") OVER (PARTITION BY cpr ORDER BY "start", "end", contact_id
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_end
    FROM lpr_contacts
    WHERE contact_type = 'physical'
), flagged AS (
    SELECT *, CASE WHEN latest_end IS NULL
                     OR "start" > latest_end + INTERVAL ({gap_minutes}) MINUTE
                   THEN 1 ELSE 0 END AS new_chain
    FROM ordered
)
SELECT contact_id, cpr, sor_unit, "start", "end", priority,
       sum(new_chain) OVER (PARTITION BY cpr ORDER BY "start", "end", contact_id
                            ROWS UNBOUNDED PRECEDING) AS chain
FROM flagged;

CREATE OR REPLACE TEMP VIEW chains AS
SELECT cpr, chain,
       min("start") AS admitted,
       max("end") AS discharged,
       first(priority ORDER BY "start", "end", contact_id) AS priority,
       first(sor_unit ORDER BY "end" DESC, "start" DESC, contact_id) AS discharge_sor,
       count(*) AS n_contacts
FROM contact_chains
GROUP BY cpr, chain;

CREATE OR REPLACE TEMP VIEW admissions AS
SELECT cpr || '#' || chain AS admission_id, *
FROM chains
WHERE discharged >= admitted + INTERVAL ({min_minutes}) MINUTE;

CREATE OR REPLACE TEMP VIEW admission_contacts AS
SELECT a.admission_id, c.contact_id, c.cpr, c."start", c."end"
FROM contact_chains c JOIN admissions a USING (cpr, chain);
