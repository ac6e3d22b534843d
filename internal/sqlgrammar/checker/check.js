// Reads {"dialect": "trino"|"hive", "statements": [...]} on stdin and writes
// a JSON array of results on stdout, one per statement: the grammar errors
// that dt-sql-parser reports for that dialect (an empty list when the
// statement parses). Bundle it with esbuild before running (plain Node
// cannot load dt-sql-parser's directory imports):
//   npx esbuild check.js --bundle --platform=node --format=cjs --outfile=dist/check.js
const { TrinoSQL, HiveSQL } = require("dt-sql-parser");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const req = JSON.parse(input);
  const parsers = { trino: TrinoSQL, hive: HiveSQL };
  const Parser = parsers[req.dialect];
  if (!Parser) {
    process.stderr.write("unknown dialect " + req.dialect + "\n");
    process.exit(2);
  }
  const parser = new Parser();
  const results = req.statements.map((sql) =>
    parser.validate(sql).map((e) => ({
      line: e.startLine,
      column: e.startColumn,
      message: e.message,
    })),
  );
  process.stdout.write(JSON.stringify(results));
});
