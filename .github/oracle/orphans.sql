-- Run as backup_user: two stopped Data Pump jobs as an earlier, killed run would leave them (NOT RUNNING, control
-- table kept, no session): one named as this action names its jobs (it must be cleaned), one foreign (left alone).
WHENEVER SQLERROR EXIT FAILURE
SET FEEDBACK OFF
DECLARE
  PROCEDURE stopped_job(name VARCHAR2) IS
    h NUMBER;
  BEGIN
    h := DBMS_DATAPUMP.OPEN(operation => 'EXPORT', job_mode => 'SCHEMA', job_name => name);
    DBMS_DATAPUMP.ADD_FILE(h, LOWER(name) || '_%U.dmp', 'BACKUP_DIR');
    DBMS_DATAPUMP.METADATA_FILTER(h, 'SCHEMA_EXPR', 'IN (''HR'')');
    DBMS_DATAPUMP.START_JOB(h);
    DBMS_DATAPUMP.STOP_JOB(h, 1, 1);
  END;
BEGIN
  stopped_job('OBA_ORPHAN_0000000001');
  stopped_job('SYS_EXPORT_SCHEMA_01');
END;
/
EXIT
