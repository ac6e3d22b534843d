// Reads a JSON array of SQL statements on stdin and writes a JSON array of
// results on stdout, one per statement: the Trino grammar errors that
// dt-sql-parser's TrinoSQL reports (an empty list when the statement
// parses). Bundle it with esbuild before running (plain Node cannot load
// dt-sql-parser's directory imports):
//   npx esbuild check.js --bundle --platform=node --format=cjs --outfile=dist/check.js
const { TrinoSQL } = require("dt-sql-parser");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const statements = JSON.parse(input);
  const parser = new TrinoSQL();
  const results = statements.map((sql) =>
    parser.validate(sql).map((e) => ({
      line: e.startLine,
      column: e.startColumn,
      message: e.message,
    })),
  );
  process.stdout.write(JSON.stringify(results));
});
