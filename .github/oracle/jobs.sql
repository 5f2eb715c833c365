-- Prints the Data Pump jobs, one per line: OWNER.JOB STATE.
SET HEADING OFF FEEDBACK OFF PAGESIZE 0 LINESIZE 200
SELECT owner_name || '.' || job_name || ' ' || state FROM dba_datapump_jobs ORDER BY 1;
EXIT
