// Reads a JSON array of SQL statements on stdin and writes a JSON array of
// results on stdout, one per statement: the errors dt-sql-parser's Hive
// grammar (HiveSQL) reports, an empty list when the statement parses.
// Plain Node cannot load dt-sql-parser's directory imports, so the test
// bundles this file with esbuild first.
const { HiveSQL } = require("dt-sql-parser");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const parser = new HiveSQL();
  const results = JSON.parse(input).map((sql) =>
    parser.validate(sql).map((e) => ({ line: e.startLine, column: e.startColumn, message: e.message })),
  );
  process.stdout.write(JSON.stringify(results));
});
