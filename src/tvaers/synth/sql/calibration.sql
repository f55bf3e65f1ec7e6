-- Calibration queries over the written files (independent of the generator's counters).
-- Each query starts with "-- name: <key>"; parameters: $start, $end (inclusive last day).
-- Views: cpr, cpr_residence, lpr_contacts, lpr_diagnoses, lpr_procedures, referrals,
-- encounters, conditions, and admissions/admission_contacts from admissions.sql.

-- name: demography
WITH p AS (
    SELECT *,
           greatest(birth_date, $start) AS t0,
           least($end + 1, coalesce(death_date + 1, $end + 1), coalesce(emigration_date, $end + 1)) AS t1
    FROM cpr
)
SELECT sum(greatest(date_diff('day', t0, t1), 0)) / 365.25 AS person_years,
       count(*) FILTER (WHERE birth_date < $start) AS residents,
       count(*) FILTER (WHERE death_date BETWEEN $start AND $end) AS deaths,
       count(*) FILTER (WHERE birth_date >= $start) AS births,
       count(*) FILTER (WHERE emigration_date BETWEEN $start AND $end) AS emigrations,
       avg(CASE WHEN sex = 'M' THEN 1.0 ELSE 0.0 END) FILTER (WHERE birth_date < $start) AS male_share,
       avg(CASE WHEN birth_date <= $start - INTERVAL 65 YEAR THEN 1.0 ELSE 0.0 END)
           FILTER (WHERE birth_date < $start) AS aged_65_share
FROM p;

-- name: moves
SELECT count(*) AS moves
FROM (SELECT valid_from, row_number() OVER (PARTITION BY cpr ORDER BY valid_from) AS n
      FROM cpr_residence)
WHERE n > 1 AND valid_from BETWEEN $start AND $end;

-- name: adult_person_years
WITH p AS (
    SELECT sex, greatest(birth_date + INTERVAL 18 YEAR, $start)::DATE AS t0,
           least($end + 1, coalesce(death_date + 1, $end + 1), coalesce(emigration_date, $end + 1)) AS t1
    FROM cpr
)
SELECT sex, sum(greatest(date_diff('day', t0, t1), 0)) / 365.25 AS person_years
FROM p GROUP BY sex ORDER BY sex;

-- name: band_person_years
-- Person-years by age band on the start date (bands of S17 for heart failure).
WITH p AS (
    SELECT date_part('year', age($start::TIMESTAMP, birth_date::TIMESTAMP)) AS age0,
           greatest(birth_date, $start) AS t0,
           least($end + 1, coalesce(death_date + 1, $end + 1), coalesce(emigration_date, $end + 1)) AS t1
    FROM cpr
)
SELECT CASE WHEN age0 >= 75 THEN '75+' WHEN age0 >= 65 THEN '65-74' ELSE '<65' END AS band,
       sum(greatest(date_diff('day', t0, t1), 0)) / 365.25 AS person_years
FROM p GROUP BY band ORDER BY band;

-- name: prevalence
SELECT condition,
       count(*) FILTER (WHERE prevalent) AS prevalent,
       count(*) FILTER (WHERE NOT prevalent AND onset_date BETWEEN $start AND $end) AS incident,
       avg(CASE WHEN c.sex = 'M' THEN 1.0 ELSE 0.0 END) FILTER (WHERE prevalent) AS male_share
FROM conditions JOIN cpr c USING (cpr)
GROUP BY condition ORDER BY condition;

-- name: hf_incidence_by_band
SELECT CASE WHEN date_part('year', age($start::TIMESTAMP, c.birth_date::TIMESTAMP)) >= 75 THEN '75+'
            WHEN date_part('year', age($start::TIMESTAMP, c.birth_date::TIMESTAMP)) >= 65 THEN '65-74'
            ELSE '<65' END AS band,
       count(*) AS incident
FROM conditions h JOIN cpr c USING (cpr)
WHERE h.condition = 'hf' AND NOT h.prevalent AND h.onset_date BETWEEN $start AND $end
GROUP BY band ORDER BY band;

-- name: ami_incidence
-- First acute admission per person with a contact whose A-diagnosis is DI21* (first-time MI;
-- recurrent MI is coded DI22*), adults only.
WITH first_mi AS (
    SELECT a.cpr, min(a.admitted) AS admitted
    FROM admissions a
    JOIN admission_contacts ac USING (admission_id)
    JOIN lpr_diagnoses d ON d.contact_id = ac.contact_id AND d.diag_type = 'A' AND d.code LIKE 'DI21%'
    WHERE a.priority = 'acute' AND a.admitted::DATE BETWEEN $start AND $end
    GROUP BY a.cpr
)
SELECT c.sex, count(*) AS persons,
       count(*) FILTER (WHERE c.sex = 'M' AND date_part('year', age(f.admitted, c.birth_date::TIMESTAMP)) BETWEEN 70 AND 79) AS men_70_79
FROM first_mi f JOIN cpr c USING (cpr)
WHERE date_part('year', age(f.admitted, c.birth_date::TIMESTAMP)) >= 18
GROUP BY c.sex ORDER BY c.sex;

-- name: men_70_79_person_years
WITH p AS (
    SELECT greatest(birth_date + INTERVAL 70 YEAR, $start)::DATE AS t0,
           least($end + 1, coalesce(death_date + 1, $end + 1), coalesce(emigration_date, $end + 1),
                 (birth_date + INTERVAL 80 YEAR)::DATE) AS t1
    FROM cpr WHERE sex = 'M'
)
SELECT sum(greatest(date_diff('day', t0, t1), 0)) / 365.25 FROM p;

-- name: copd_courses
-- DrKOL acute exacerbation admissions (RKKP population rule) and their 30-day outcomes.
CREATE OR REPLACE TEMP TABLE copd_courses AS
WITH qualifying AS (
    SELECT DISTINCT a.admission_id
    FROM admissions a
    JOIN admission_contacts ac USING (admission_id)
    JOIN lpr_diagnoses d ON d.contact_id = ac.contact_id
    WHERE a.priority = 'acute'
      AND ac."start" <= a.admitted + INTERVAL 2 DAY
      AND (
          (d.diag_type = 'A' AND d.code LIKE 'DJ44%')
          OR (d.diag_type = 'B' AND d.code LIKE 'DJ44%' AND EXISTS (
              SELECT 1 FROM lpr_diagnoses a2
              WHERE a2.contact_id = ac.contact_id AND a2.diag_type = 'A'
                AND (a2.code LIKE 'DJ96%' OR regexp_matches(a2.code, '^DJ1[3-8]'))))
      )
)
SELECT a.*, c.death_date, c.emigration_date,
       date_part('year', age(a.admitted, c.birth_date::TIMESTAMP)) AS age,
       EXISTS (SELECT 1 FROM admissions r
               WHERE r.cpr = a.cpr AND r.priority = 'acute'
                 AND date_diff('day', a.discharged::DATE, r.admitted::DATE) BETWEEN 1 AND 30) AS readmitted
FROM admissions a JOIN qualifying USING (admission_id) JOIN cpr c USING (cpr)
WHERE date_part('year', age(a.admitted, c.birth_date::TIMESTAMP)) >= 30;

-- name: copd_outcomes
-- K1 (readmission 1..30 days after discharge; excluded: died or emigrated <= 30 days after
-- discharge) and K2 (death <= 30 days after admission), for courses with 30 days of follow-up.
SELECT band,
       count(*) FILTER (WHERE k1_in) AS k1_denominator,
       count(*) FILTER (WHERE k1_in AND readmitted) AS k1_numerator,
       count(*) FILTER (WHERE k2_in) AS k2_denominator,
       count(*) FILTER (WHERE k2_in AND date_diff('day', admitted::DATE, death_date) <= 30) AS k2_numerator
FROM (
    SELECT *,
           discharged::DATE <= $end - 30
             AND coalesce(date_diff('day', discharged::DATE, death_date), 999) > 30
             AND coalesce(date_diff('day', discharged::DATE, emigration_date), 999) > 30 AS k1_in,
           admitted::DATE <= $end - 30
             AND coalesce(date_diff('day', admitted::DATE, emigration_date), 999) > 30 AS k2_in,
           unnest(['all', CASE WHEN age < 60 THEN '30-59' WHEN age >= 80 THEN '80+' ELSE '60-79' END]) AS band
    FROM copd_courses
)
GROUP BY band ORDER BY band;

-- name: copd_admissions_per_year
SELECT count(*) / (date_diff('day', $start, $end + 1) / 365.25) AS per_year FROM copd_courses
WHERE admitted::DATE BETWEEN $start AND $end;

-- name: copd_outpatients_per_year
-- Persons aged 30+ with an outpatient contact (not part of an admission) with A-diagnosis DJ44*.
SELECT avg(persons) FROM (
    SELECT year(l."start") AS y, count(DISTINCT l.cpr) AS persons
    FROM lpr_contacts l
    JOIN lpr_diagnoses d ON d.contact_id = l.contact_id AND d.diag_type = 'A' AND d.code LIKE 'DJ44%'
    JOIN cpr c ON c.cpr = l.cpr
    WHERE l."start"::DATE BETWEEN $start AND $end
      AND l.contact_id NOT IN (SELECT contact_id FROM admission_contacts)
      AND date_part('year', age(l."start", c.birth_date::TIMESTAMP)) >= 30
    GROUP BY y
);

-- name: gop
SELECT avg(persons) AS persons_per_year,
       (SELECT avg(CASE WHEN gop_type = 'almen' THEN 1.0 ELSE 0.0 END) FROM referrals WHERE law_section = 'SUL §140') AS almen,
       (SELECT avg(CASE WHEN gop_type = 'specialiseret' THEN 1.0 ELSE 0.0 END) FROM referrals WHERE law_section = 'SUL §140') AS specialiseret
FROM (SELECT year(authored) AS y, count(DISTINCT cpr) AS persons
      FROM referrals WHERE law_section = 'SUL §140' GROUP BY y);

-- name: heart_referral
-- DHRD-like index: first acute admission with A-diagnosis DI21*/DI22* or any admission with
-- PCI/CABG per person, discharged alive; referred = a §119 heart referral within 90 days
-- (H1's window; after MI + CABG the referral follows the CABG discharge).
WITH idx AS (
    SELECT a.cpr, min(a.discharged) AS discharged
    FROM admissions a JOIN admission_contacts ac USING (admission_id)
    LEFT JOIN lpr_diagnoses d ON d.contact_id = ac.contact_id AND d.diag_type = 'A'
    LEFT JOIN lpr_procedures p ON p.contact_id = ac.contact_id
    WHERE (a.priority = 'acute' AND (d.code LIKE 'DI21%' OR d.code LIKE 'DI22%'))
       OR p.code LIKE 'KFNG%' OR regexp_matches(p.code, '^KFN[A-FHJKW]')
    GROUP BY a.cpr
)
SELECT count(*) AS persons,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM referrals r WHERE r.cpr = idx.cpr AND r.programme = 'heart'
             AND r.authored BETWEEN idx.discharged - INTERVAL 1 DAY AND idx.discharged + INTERVAL 90 DAY)) AS referred
FROM idx JOIN cpr c USING (cpr)
WHERE idx.discharged::DATE BETWEEN $start AND $end - 90
  AND (c.death_date IS NULL OR c.death_date > idx.discharged::DATE);

-- name: admission_check
-- The SQL rule against the generator's own admissions, and transfers inside admissions.
SELECT (SELECT count(*) FROM admissions) AS derived,
       (SELECT count(*) FROM encounters WHERE kind = 'admission') AS generated,
       (SELECT count(*) FROM admissions a JOIN encounters e
          ON e.kind = 'admission' AND e.cpr = a.cpr AND e."start" = a.admitted AND e."end" = a.discharged) AS matched,
       (SELECT count(*) FROM admissions WHERE n_contacts > 1) AS with_transfers,
       (SELECT count(*) FROM (
            SELECT a.admission_id, b.admission_id AS next_id,
                   date_diff('day', a.discharged::DATE, b.admitted::DATE) AS days
            FROM admissions a JOIN admissions b
              ON a.cpr = b.cpr AND b.admitted > a.discharged
             AND b.admitted <= a.discharged + INTERVAL ({gap_minutes}) MINUTE)) AS transfers_split;
