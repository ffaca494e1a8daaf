// What the embedded engine lets any of its connections reach outside its own tables, decided by the engine
// itself, beneath the read-only connection's list of refused statements (refused-statements.ts): a
// statement that list misses still cannot read a file or open a connection through a table function.
//
// The engine's user (every connection's, the writer's and the read-only one's: chdb authenticates each as
// `default` and ignores `--user`, and takes its users from the configuration of the process's first
// connection) holds every grant but SOURCES: the right to read or write through file(), url(), s3(),
// remote()/remoteSecure(), mysql(), postgresql(), sqlite(), hdfs(), azureBlobStorage(), jdbc(), odbc(),
// mongodb(), redis() and the tables and dictionaries built on them. The engine checks it wherever a table
// function is built, including `DESCRIBE url(…)`, which its read-only check does not reach
// (ACCESS_DENIED, 497, "grant READ ON URL"). The ingest never uses a source: it inserts with
// `INSERT … FROM INFILE`, which clickhouse-local's client side reads itself (insert-file.ts), and its
// tables are MergeTree, Memory and Log.
//
// Not available to the embedded engine, tried: `user_files_path` (clickhouse-local sets it to "" whatever
// the configuration says, so file() and file-backed tables read any path), `remote_url_allow_hosts`
// (clickhouse-local never loads the host filter), a second user for the read-only connection (`--user`
// is ignored). Not covered by grants, so refused by the list alone: the function `file(path)` (it checks
// no grant), `INTO OUTFILE` (the client side writes it), `KILL` (a user may always stop its own
// statements, and both connections are one user). executable() runs only scripts of `user_scripts_path`,
// which the engine keeps in its data directory, empty.

/** The engine's users: `default`, with every grant but SOURCES (table functions and engines reaching out). */
export function engineUsersXml(): string {
  return `<clickhouse>
  <profiles><default/></profiles>
  <quotas><default/></quotas>
  <users>
    <default>
      <password></password>
      <networks><ip>::/0</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
      <grants>
        <query>GRANT ALL ON *.*</query>
        <query>REVOKE SOURCES ON *.*</query>
      </grants>
    </default>
  </users>
</clickhouse>
`;
}
