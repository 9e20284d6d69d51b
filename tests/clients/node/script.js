// The driver script of tests/clients/driver_script.py, for the npm drivers tedious and mssql.
// usage: node script.js tedious|mssql PORT PASSWORD true|strict TABLE [CA_FILE]
// Prints one JSON line: the transcript (same fields as driver_script.Transcript).
'use strict';
const fs = require('fs');
const path = require('path');
const modules = path.join(__dirname, 'node_modules');
const tedious = require(path.join(modules, 'tedious'));
const mssql = require(path.join(modules, 'mssql'));

const [driverName, port, password, encryptArg, table, caFile] = process.argv.slice(2);
const encrypt = encryptArg === 'strict' ? 'strict' : true;
const T = tedious.TYPES;
const GUID = '6F9619FF-8B86-D011-B42D-00C04FC964FF';
// column, declaration, tedious type, options, value (the Python script's columns)
const COLUMNS = [
  ['i', 'INT', T.Int, {}, 2147483647],
  ['bi', 'BIGINT', T.BigInt, {}, -9000000000000],
  ['d', 'DECIMAL(18,4)', T.Decimal, { precision: 18, scale: 4 }, 12345.6789],
  ['nv', 'NVARCHAR(50)', T.NVarChar, {}, 'Grüße, 世界'],
  ['v', 'VARCHAR(50)', T.VarChar, {}, 'plain text'],
  ['vb', 'VARBINARY(50)', T.VarBinary, {}, Buffer.from([0, 1, 255])],
  ['b', 'BIT', T.Bit, {}, true],
  ['u', 'UNIQUEIDENTIFIER', T.UniqueIdentifier, {}, GUID],
  ['dte', 'DATE', T.Date, {}, new Date('2024-02-29T00:00:00Z')],
  ['dtm', 'DATETIME', T.DateTime, {}, new Date('2023-12-31T23:59:59.997Z')],
  ['dt2', 'DATETIME2(7)', T.DateTime2, { scale: 7 }, new Date('2024-01-02T03:04:05.123Z')],
  // a JS Date is an instant: tedious sends it with offset +00:00 and reads the instant back
  ['dto', 'DATETIMEOFFSET(7)', T.DateTimeOffset, { scale: 7 }, new Date('2024-01-01T21:34:05.123Z')],
];
const NAMES = COLUMNS.map((c) => c[0]);
const WAIT_LIMIT_MS = 20000;

const tls = { trustServerCertificate: true };
if (encrypt === 'strict' && caFile) {
  tls.cryptoCredentialsDetails = { ca: fs.readFileSync(caFile) };
  tls.serverName = 'localhost';
}

// -- two drivers behind one small interface: open, query(params), begin/commit/rollback, prepared, close ----------

const tediousDriver = {
  open() {
    return new Promise((resolve, reject) => {
      const conn = new tedious.Connection({
        server: '127.0.0.1',
        authentication: { type: 'default', options: { userName: 'sa', password } },
        options: {
          port: Number(port), encrypt, ...tls, database: 'master', connectTimeout: 15000,
          requestTimeout: 60000, rowCollectionOnRequestCompletion: true,
        },
      });
      conn.on('error', () => {});
      conn.connect((err) => (err ? reject(err) : resolve(conn)));
    });
  },
  query(conn, text, params = []) {
    return new Promise((resolve, reject) => {
      const request = new tedious.Request(text, (err, rowCount, rows) => {
        if (err) reject(err);
        else resolve({ rows: (rows || []).map((r) => r.map((c) => c.value)), rowsAffected: rowCount });
      });
      for (const [name, type, value, options] of params) request.addParameter(name, type, value, options);
      conn.execSql(request);
    });
  },
  tx(conn, what) {
    const call = { begin: 'beginTransaction', commit: 'commitTransaction', rollback: 'rollbackTransaction' }[what];
    return new Promise((resolve, reject) => conn[call]((err) => (err ? reject(err) : resolve())));
  },
  async prepared(conn, text, declarations, rowsOfValues) {
    let settle = null;
    const done = () => new Promise((resolve, reject) => { settle = (err) => (err ? reject(err) : resolve()); });
    const request = new tedious.Request(text, (err) => settle && settle(err));
    request.on('prepared', () => settle && settle()); // prepare ends with this event, not the callback
    request.on('requestCompleted', () => settle && settle());
    for (const [name, type, options] of declarations) request.addParameter(name, type, undefined, options);
    let finished = done();
    conn.prepare(request);
    await finished;
    for (const values of rowsOfValues) {
      finished = done();
      conn.execute(request, values);
      await finished;
    }
    finished = done();
    conn.unprepare(request);
    await finished;
  },
  close(conn) {
    conn.close();
  },
};

const mssqlType = (type, options) =>
  type === T.Decimal ? mssql.Decimal(options.precision, options.scale)
    : type === T.DateTime2 ? mssql.DateTime2(options.scale)
      : type === T.DateTimeOffset ? mssql.DateTimeOffset(options.scale)
        : type === T.Time ? mssql.Time(options.scale)
        : mssql[type.name] || mssql[{ UniqueIdentifierN: 'UniqueIdentifier' }[type.name]];

const mssqlDriver = {
  async open() {
    const pool = new mssql.ConnectionPool({
      server: '127.0.0.1', port: Number(port), user: 'sa', password, database: 'master',
      options: { encrypt, ...tls }, pool: { max: 1, min: 0 }, requestTimeout: 60000,
    });
    pool.on('error', () => {});
    await pool.connect();
    return { pool, tx: null };
  },
  async query(conn, text, params = []) {
    const request = new mssql.Request(conn.tx || conn.pool);
    for (const [name, type, value, options] of params) request.input(name, mssqlType(type, options), value);
    const result = await request.query(text);
    const rows = (result.recordset || []).map((row) => result.recordset.columns
      ? Object.keys(result.recordset.columns).map((k) => row[k]) : Object.values(row));
    return { rows, rowsAffected: result.rowsAffected.reduce((a, b) => a + b, 0) };
  },
  async tx(conn, what) {
    if (what === 'begin') {
      conn.tx = new mssql.Transaction(conn.pool);
      await conn.tx.begin();
    } else {
      await conn.tx[what]();
      conn.tx = null;
    }
  },
  async prepared(conn, text, declarations, rowsOfValues) {
    const statement = new mssql.PreparedStatement(conn.pool);
    for (const [name, type, options] of declarations) statement.input(name, mssqlType(type, options));
    await statement.prepare(text);
    try {
      for (const values of rowsOfValues) await statement.execute(values);
    } finally {
      await statement.unprepare();
    }
  },
  close(conn) {
    return conn.pool.close();
  },
};

// -- the script ------------------------------------------------------------------------------------------------------

function normal(value) {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (typeof value === 'string' && /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(value)) return value.toUpperCase();
  return String(value);
}

function shown(err) {
  return `${err.name || err.constructor.name}: ${String(err.message).replace(/\s+/g, ' ').slice(0, 220)}`;
}

async function main() {
  const d = driverName === 'tedious' ? tediousDriver : mssqlDriver;
  const out = {
    encrypt_option: '', spid: 0, version: '', mismatches: [], nulls: [], update_count: -2, executemany_rows: -1, output_rows: [],
    rolled_back_rows: -1, committed_rows: -1, errors: {}, kill_idle: '', kill_running: '',
    seven_digits_text: [], seven_digits_typed: [],
  };
  const conn = await d.open();
  const one = async (text, params) => (await d.query(conn, text, params)).rows[0][0];
  out.encrypt_option = await one('SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID');
  out.spid = await one('SELECT @@SPID');
  out.version = await one('SELECT @@VERSION');

  await d.query(conn, `CREATE TABLE ${table} (id INT PRIMARY KEY, ${COLUMNS.map((c) => `${c[0]} ${c[1]}`).join(', ')})`);
  const params = COLUMNS.map(([name, , type, options, value]) => [name, type, value, options]);
  const marks = NAMES.map((n) => `@${n}`).join(', ');
  await d.query(conn, `INSERT INTO ${table} (id, ${NAMES.join(', ')}) VALUES (1, ${marks})`, params);
  const nulls = COLUMNS.map(([name, , type, options]) => [name, type, null, options]);
  await d.query(conn, `INSERT INTO ${table} (id, ${NAMES.join(', ')}) VALUES (2, ${marks})`, nulls);
  const idType = [['id', T.Int, 1, {}]];
  const row = (await d.query(conn, `SELECT ${NAMES.join(', ')} FROM ${table} WHERE id = @id`, idType)).rows[0];
  COLUMNS.forEach(([name, , , , expected], i) => {
    if (normal(row[i]) !== normal(expected)) out.mismatches.push(`${name}: sent ${normal(expected)}, read ${normal(row[i])}`);
  });
  idType[0][2] = 2;
  out.nulls = (await d.query(conn, `SELECT ${NAMES.join(', ')} FROM ${table} WHERE id = @id`, idType)).rows[0];

  out.update_count = (await d.query(conn, `UPDATE ${table} SET i = i - 1 WHERE id IN (@a, @b)`,
    [['a', T.Int, 1, {}], ['b', T.Int, 2, {}]])).rowsAffected;
  await d.prepared(conn, `INSERT INTO ${table} (id, nv) VALUES (@id, @nv)`,
    [['id', T.Int, {}], ['nv', T.NVarChar, { length: 50 }]],
    [{ id: 10, nv: 'a' }, { id: 11, nv: 'b' }, { id: 12, nv: 'c' }]);
  out.executemany_rows = await one(`SELECT COUNT(*) FROM ${table} WHERE id >= 10`);

  out.output_rows = (await d.query(conn, `INSERT INTO ${table} (id, nv) OUTPUT inserted.id, inserted.nv VALUES (@id, @nv)`,
    [['id', T.Int, 30, {}], ['nv', T.NVarChar, 'out', {}]])).rows;

  // datetime2(7), time(7), datetimeoffset(7) sent typed with all seven digits (tedious reads a Date's nanosecondDelta,
  // in seconds), read back typed (nanosecondsDelta) and as the server's text
  const seven = (iso) => Object.assign(new Date(iso), { nanosecondDelta: 0.0004567 });
  await d.query(conn, `CREATE TABLE ${table}_7 (dt2 DATETIME2(7), tm TIME(7), dto DATETIMEOFFSET(7))`);
  await d.query(conn, `INSERT INTO ${table}_7 VALUES (@dt2, @tm, @dto)`, [
    ['dt2', T.DateTime2, seven('2024-01-02T03:04:05.123Z'), { scale: 7 }],
    ['tm', T.Time, seven('1970-01-01T03:04:05.123Z'), { scale: 7 }],
    ['dto', T.DateTimeOffset, seven('2024-01-01T21:34:05.123Z'), { scale: 7 }],
  ]);
  out.seven_digits_text = (await d.query(conn,
    `SELECT CAST(dt2 AS VARCHAR(40)) a, CAST(tm AS VARCHAR(40)) b, CAST(dto AS VARCHAR(40)) c FROM ${table}_7`)).rows[0];
  const typed = (await d.query(conn, `SELECT dt2, tm, dto FROM ${table}_7`)).rows[0];
  const digits = (v) => v.toISOString().slice(0, 23).replace('T', ' ')
    + String(Math.round(v.nanosecondsDelta * 1e7)).padStart(4, '0');
  out.seven_digits_typed = [digits(typed[0]), digits(typed[1]).slice(11), `${digits(typed[2])} +00:00`];

  for (const [label, text] of [['divide', 'SELECT 1/0'], ['missing', 'SELECT * FROM no_such_table']]) {
    try {
      await d.query(conn, text);
      out.errors[label] = 'no error';
    } catch (err) {
      out.errors[label] = err.number ?? (err.originalError && err.originalError.number) ?? null;
      out.errors[`${label}_shown`] = shown(err);
    }
  }

  const other = await d.open();
  await d.tx(other, 'begin');
  await d.query(other, `INSERT INTO ${table} (id, nv) VALUES (20, N'rolled back')`);
  await d.tx(other, 'rollback');
  await d.tx(other, 'begin');
  await d.query(other, `INSERT INTO ${table} (id, nv) VALUES (21, N'committed')`);
  await d.tx(other, 'commit');
  out.rolled_back_rows = (await d.query(other, `SELECT COUNT(*) FROM ${table} WHERE id = 20`)).rows[0][0];
  out.committed_rows = (await d.query(other, `SELECT COUNT(*) FROM ${table} WHERE id = 21`)).rows[0][0];
  await d.close(other);

  // KILL: both victims connect first (a KILL of a new session that took a just-killed id kills nothing: 6120)
  const idle = await d.open();
  const running = await d.open();
  const CONNECTION = 'SELECT session_id, connection_id FROM sys.dm_exec_connections WHERE session_id = @@SPID';
  const [idleSpid, idleConnection] = (await d.query(idle, CONNECTION)).rows[0];
  await d.query(conn, `KILL ${idleSpid}`);
  try {
    const [now, connection] = (await d.query(idle, CONNECTION)).rows[0];
    // a pool (mssql) notices the dead connection and quietly opens another: a new connection (the id may be reused)
    out.kill_idle = connection === idleConnection ? 'no error'
      : `no error: the pool connected again (session ${now}, a new connection)`;
  } catch (err) {
    out.kill_idle = shown(err);
  }
  const spid = (await d.query(running, 'SELECT @@SPID')).rows[0][0];
  const waiting = d.query(running, "WAITFOR DELAY '00:00:30'").then(() => 'no error', (err) => shown(err));
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!(await one(`SELECT COUNT(*) FROM sys.dm_exec_requests WHERE session_id = ${spid}`))) {
    if (Date.now() > deadline) throw new Error('the WAITFOR never started');
    await new Promise((r) => setTimeout(r, 20));
  }
  await d.query(conn, `KILL ${spid}`);
  out.kill_running = await Promise.race([waiting, new Promise((r) => setTimeout(() => r('still running (hung)'), WAIT_LIMIT_MS))]);
  for (const c of [idle, running]) {
    try { await d.close(c); } catch (err) { /* a killed connection may complain about being closed */ }
  }
  await d.close(conn);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
