package historical

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

func TestZZScratch(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	dir := t.TempDir()
	os.WriteFile(dir+"/a.csv", []byte("x\n1\n"), 0o644)
	show := func(q string) {
		rows, err := db.Query(q)
		if err != nil {
			fmt.Println("ERR", q, "=>", err)
			return
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Printf("%s => %+q\n", q, vals)
		}
		if rows.Err() != nil {
			fmt.Println("ERR", q, rows.Err())
		}
		rows.Close()
	}
	show(`SELECT 'aäc' LIKE 'a_c', 'a' || chr(0) || 'b', length('a' || chr(0) || 'b'), array_to_string([], ','), array_to_string(['a',NULL,'b'], ','), array_to_string(CAST([] AS VARCHAR[]), ',') IS NULL`)
	show(`SELECT json_extract_string('{"a/b":1,"a~b":2,"q\"x":3, "b\\s":4}', ['/a~1b', '/a~0b', '/q"x', '/b\s'])`)
	show(`SELECT json_serialize_sql('SELECT 1; SELECT 2')`)
	show(`SELECT json_serialize_sql('DESCRIBE SELECT 1')`)
	show(`SELECT E'a\tb'`)
	show(`SELECT current_setting('allowed_directories'), current_setting('temp_directory')`)
	show(`SELECT list_bool_or([]::BOOLEAN[]), list_bool_or([NULL, true]), list_has_any(['a'], ['a','b'])`)
	show(`SELECT strftime(TIMESTAMPTZ '2024-01-02 03:04:05.120000+00', '%Y-%m-%dT%H:%M:%S.%f')`)
	ctx := context.Background()
	conn, _ := db.Conn(ctx)
	for _, q := range []string{"SELECT 1", "DESCRIBE SELECT 1", "SHOW TABLES", "SUMMARIZE SELECT 1", "EXPLAIN SELECT 1", "FROM range(3)", "PIVOT (SELECT 1 AS a) ON a", "WITH x AS (SELECT 1) SELECT * FROM x", "VALUES (1)", "PRAGMA version", "CALL pragma_version()", "EXPLAIN ANALYZE SELECT 1", "COPY (SELECT 1) TO 'x.csv'", "SET threads=1", "CREATE VIEW v AS SELECT 1", "ATTACH 'x.db'", "INSTALL inet", "LOAD inet", "WITH x AS (SELECT 1) INSERT INTO y SELECT * FROM x"} {
		err := conn.Raw(func(dc any) error {
			s, err := dc.(*duckdb.Conn).PrepareContext(ctx, q)
			if err != nil {
				return err
			}
			defer s.Close()
			st, err := s.(*duckdb.Stmt).StatementType()
			fmt.Printf("%-40s type=%v err=%v\n", q, st, err)
			return nil
		})
		if err != nil {
			fmt.Printf("%-40s prepare err=%v\n", q, err)
		}
	}
	for _, s := range []string{"SET enable_external_access=false", fmt.Sprintf("SET allowed_directories=['%s/']", dir), "SET lock_configuration=true"} {
		if _, err := db.Exec(s); err != nil {
			fmt.Println("ERR", s, err)
		}
	}
	show(fmt.Sprintf(`SELECT * FROM read_csv('%s/a.csv')`, dir))
	show(`SELECT * FROM read_csv('/etc/hostname')`)
	show(`SET enable_external_access=true`)
	if _, err := db.Exec(fmt.Sprintf(`COPY (SELECT 1) TO '%s/out.csv'`, dir)); err != nil {
		fmt.Println("copy err", err)
	} else {
		fmt.Println("copy into allowed dir worked")
	}
	conn.Close()
}
