-- Run as SYS in FREEPDB1: a backup login, a directory object whose folder the runner sees at the same path
-- (the service container mounts /tmp/dpdump at /tmp/dpdump), and two schemas with data.
WHENEVER SQLERROR EXIT FAILURE
SET FEEDBACK OFF
CREATE USER backup_user IDENTIFIED BY "Backup-Pw-1" QUOTA 100M ON users;
GRANT CREATE SESSION, CREATE TABLE, DATAPUMP_EXP_FULL_DATABASE, FLASHBACK ANY TABLE TO backup_user;
-- What the action reads: the current SCN, DBA_DATAPUMP_JOBS and DBA_SEGMENTS (also through SELECT_CATALOG_ROLE).
GRANT SELECT ON sys.v_$database TO backup_user;
GRANT EXECUTE ON sys.dbms_flashback TO backup_user;
GRANT SELECT_CATALOG_ROLE TO backup_user;
CREATE DIRECTORY backup_dir AS '/tmp/dpdump';
GRANT READ, WRITE ON DIRECTORY backup_dir TO backup_user;
CREATE USER hr IDENTIFIED BY "Hr-Pw-1" QUOTA 100M ON users;
CREATE USER sales IDENTIFIED BY "Sales-Pw-1" QUOTA 200M ON users;
CREATE TABLE hr.employees AS
  SELECT level AS id, 'employee ' || level AS name, DATE '2020-01-01' + MOD(level, 1000) AS hired
  FROM dual CONNECT BY level <= 5000;
CREATE TABLE hr.departments AS SELECT level AS id, 'department ' || level AS name FROM dual CONNECT BY level <= 40;
CREATE TABLE sales.orders AS
  SELECT level AS id, SYSDATE - MOD(level, 3650) AS ordered, RPAD('order ' || level, 60, '.') AS note
  FROM dual CONNECT BY level <= 200000;
EXIT
