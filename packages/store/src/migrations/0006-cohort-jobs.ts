// Cohorts as background jobs (issue 12 §3): a CSV file is checked whole on the request, then its
// rows are rendered and awarded one by one off the request path, with progress kept here after
// every row so that a job survives a restart and two processes on one database never run it twice.

export const cohortJobsSchema = /* sql */ `
-- One uploaded cohort file. state: queued → running → succeeded | failed | cancelled (a running
-- job whose lease ended goes back to whoever claims it next). The lease (lease_owner, lease_until)
-- is taken by one UPDATE … RETURNING; every row's result is recorded only while the lease is held
-- (lease_owner = the runner's token and state = 'running'), so a runner that lost its lease records nothing.
CREATE TABLE cohort_jobs (
  tenant_id              text NOT NULL REFERENCES tenants (id),
  id                     text NOT NULL,
  specification_id       text NOT NULL,
  -- The course version the file was checked against; the job awards that version or nothing.
  specification_version  integer NOT NULL,
  mode                   text NOT NULL CHECK (mode IN ('all-or-nothing', 'valid-rows')),
  hold                   boolean NOT NULL,
  actor                  text NOT NULL,
  state                  text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  -- The learner rows of the file; how many are issued or failed is counted from cohort_job_rows.
  total                  integer NOT NULL CHECK (total >= 1),
  lease_owner            text,
  lease_until            timestamptz,
  -- Claims that did not end with a release (crashes, lost leases): a job that keeps failing is given up.
  attempts               integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  error                  text,
  created_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL,
  started_at             timestamptz,
  finished_at            timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, specification_id) REFERENCES specifications (tenant_id, id),
  CHECK ((lease_owner IS NULL) = (lease_until IS NULL)),
  CHECK (lease_owner IS NULL OR state = 'running'),
  CHECK ((finished_at IS NOT NULL) = (state IN ('succeeded', 'failed', 'cancelled')))
);
CREATE INDEX cohort_jobs_runnable ON cohort_jobs (created_at, id) WHERE state IN ('queued', 'running');

-- One learner row of a job. award_id is chosen when the job is queued, so a row can be awarded
-- once only (awards' primary key), whatever happens to the runner.
CREATE TABLE cohort_job_rows (
  tenant_id   text NOT NULL,
  job_id      text NOT NULL,
  -- The row number in the file as a spreadsheet shows it (the header is row 1).
  csv_row     integer NOT NULL CHECK (csv_row >= 2),
  learner     text,
  -- The ELM award input of the row (checked with the award schema when queued); NULL for a row
  -- the check refused (mode valid-rows), which is 'failed' from the start.
  input       jsonb,
  award_id    text NOT NULL,
  state       text NOT NULL CHECK (state IN ('pending', 'issued', 'failed')),
  issues      jsonb,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, job_id, csv_row),
  UNIQUE (tenant_id, award_id),
  FOREIGN KEY (tenant_id, job_id) REFERENCES cohort_jobs (tenant_id, id) ON DELETE CASCADE,
  CHECK (state <> 'pending' OR input IS NOT NULL),
  CHECK ((state = 'failed') = (issues IS NOT NULL))
);
CREATE INDEX cohort_job_rows_pending ON cohort_job_rows (tenant_id, job_id, csv_row) WHERE state = 'pending';
`
