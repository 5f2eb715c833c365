WHENEVER SQLERROR EXIT FAILURE
CREATE USER backup_user IDENTIFIED BY "Backup-Pw-1" QUOTA 50M ON users;
GRANT CREATE SESSION, CREATE TABLE, DATAPUMP_EXP_FULL_DATABASE TO backup_user;
CREATE DIRECTORY backup_dir AS '/backup';
GRANT READ, WRITE ON DIRECTORY backup_dir TO backup_user;
CREATE USER hr IDENTIFIED BY "Hr-Pw-1" QUOTA 50M ON users;
CREATE USER sales IDENTIFIED BY "Sales-Pw-1" QUOTA 50M ON users;
CREATE TABLE hr.employees AS SELECT level AS id, 'employee ' || level AS name FROM dual CONNECT BY level <= 5000;
CREATE TABLE sales.orders AS SELECT level AS id, sysdate - level AS ordered FROM dual CONNECT BY level <= 20000;
EXIT
