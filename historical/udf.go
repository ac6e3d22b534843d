package historical

import (
	"database/sql"
	"database/sql/driver"
	"fmt"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/streamalert/streamalert/queries"
)

// scalarFunc adapts a queries.Function to duckdb-go's ScalarFunc.
type scalarFunc struct {
	fn     queries.Function
	config duckdb.ScalarFuncConfig
}

var duckTypes = map[string]duckdb.Type{
	"VARCHAR": duckdb.TYPE_VARCHAR,
	"DOUBLE":  duckdb.TYPE_DOUBLE,
	"BOOLEAN": duckdb.TYPE_BOOLEAN,
}

func typeInfo(name string) (duckdb.TypeInfo, error) {
	t, ok := duckTypes[name]
	if !ok {
		return nil, fmt.Errorf("unsupported type %s", name)
	}
	return duckdb.NewTypeInfo(t)
}

func newScalarFunc(fn queries.Function) (*scalarFunc, error) {
	f := &scalarFunc{fn: fn}
	for _, a := range fn.Args {
		ti, err := typeInfo(a)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", fn.Name, err)
		}
		f.config.InputTypeInfos = append(f.config.InputTypeInfos, ti)
	}
	ti, err := typeInfo(fn.Result)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", fn.Name, err)
	}
	f.config.ResultTypeInfo = ti
	return f, nil
}

func (f *scalarFunc) Config() duckdb.ScalarFuncConfig { return f.config }

func (f *scalarFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		args := make([]any, len(values))
		for i, v := range values {
			args[i] = v
		}
		return f.fn.Eval(args)
	}}
}

// registerFunctions registers every function compiled statements call.
func registerFunctions(conn *sql.Conn) error {
	for _, fn := range queries.Functions {
		sf, err := newScalarFunc(fn)
		if err != nil {
			return err
		}
		if err := duckdb.RegisterScalarUDF(conn, fn.Name, sf); err != nil {
			return fmt.Errorf("register function %s: %w", fn.Name, err)
		}
	}
	return nil
}
