package queries

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/streamalert/streamalert/rules"
)

// Names of the scalar functions the DuckDB dialect calls.
const (
	fnCIDR       = "sa_cidr_match"
	fnParseFloat = "sa_parse_float"
	fnFloatText  = "sa_float_text"
	fnGoQuote    = "sa_go_quote"
)

// Function is a scalar SQL function that the DuckDB dialect calls and the
// embedded engine registers, implemented in Go so that SQL shares the
// streaming matcher's code. Eval is never called with NULL arguments (a
// NULL argument gives NULL); it returns nil for NULL.
type Function struct {
	Name   string
	Args   []string // DuckDB types of the arguments: VARCHAR or DOUBLE
	Result string   // DuckDB type of the result: VARCHAR, DOUBLE or BOOLEAN
	Eval   func(args []any) (any, error)
	Doc    string
}

// Functions are the functions compiled DuckDB statements may call.
var Functions = []Function{
	{
		Name: fnCIDR, Args: []string{"VARCHAR", "VARCHAR"}, Result: "BOOLEAN",
		Doc: "sa_cidr_match(text, 'net,net,…'): text is an IP address inside one of the networks (rules.MatchCIDR)",
		Eval: func(args []any) (any, error) {
			text, ok1 := args[0].(string)
			list, ok2 := args[1].(string)
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("%s: want two strings, got %T and %T", fnCIDR, args[0], args[1])
			}
			nets, err := parseNets(list)
			if err != nil {
				return nil, err
			}
			return rules.MatchCIDR(text, nets), nil
		},
	},
	{
		Name: fnParseFloat, Args: []string{"VARCHAR"}, Result: "DOUBLE",
		Doc: "sa_parse_float(text): the text as a number as Go's strconv.ParseFloat reads it; NULL when it does not parse or is NaN",
		Eval: func(args []any) (any, error) {
			text, ok := args[0].(string)
			if !ok {
				return nil, fmt.Errorf("%s: want a string, got %T", fnParseFloat, args[0])
			}
			f, err := strconv.ParseFloat(text, 64)
			if err != nil || math.IsNaN(f) {
				return nil, nil
			}
			return f, nil
		},
	},
	{
		Name: fnFloatText, Args: []string{"DOUBLE"}, Result: "VARCHAR",
		Doc: "sa_float_text(x): the number in Go's shortest form, as rules compare float fields as text",
		Eval: func(args []any) (any, error) {
			f, ok := args[0].(float64)
			if !ok {
				return nil, fmt.Errorf("%s: want a double, got %T", fnFloatText, args[0])
			}
			return strconv.FormatFloat(f, 'g', -1, 64), nil
		},
	},
	{
		Name: fnGoQuote, Args: []string{"VARCHAR"}, Result: "VARCHAR",
		Doc: "sa_go_quote(text): the text quoted as Go's strconv.Quote does, as rules render strings inside object fields",
		Eval: func(args []any) (any, error) {
			text, ok := args[0].(string)
			if !ok {
				return nil, fmt.Errorf("%s: want a string, got %T", fnGoQuote, args[0])
			}
			return goQuote(text), nil
		},
	},
}

func goQuote(s string) string { return strconv.Quote(s) }

// netCache keeps parsed network lists: the list is a constant of the
// statement, parsed once instead of per row.
var netCache sync.Map // string → []netip.Prefix

func parseNets(list string) ([]netip.Prefix, error) {
	if v, ok := netCache.Load(list); ok {
		return v.([]netip.Prefix), nil
	}
	var nets []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%s: network %q: %w", fnCIDR, s, err)
		}
		nets = append(nets, p)
	}
	netCache.Store(list, nets)
	return nets, nil
}
