package queries

import (
	"strings"

	"github.com/streamalert/streamalert/rules"
	"github.com/streamalert/streamalert/schema"
)

// jsonArrayDepth is how many levels of arrays directly inside arrays a
// JSON walk flattens at each step of a path. The matcher flattens any
// depth; JSON with arrays of arrays of arrays is not met in logs.
const jsonArrayDepth = 2

// source is where the values of a rule's field path are in a row of one
// log type, as SQL.
type source struct {
	// never: no row of the log type has a value there (the path runs
	// below a scalar, or names a normalized type the log type lacks).
	never bool
	// list: expr is a list of values; else expr is one value (NULL when
	// missing).
	list bool
	expr string
	// elem is the type of each value. Values found in JSON text are
	// KindString: their text, as the matcher reads it.
	elem schema.Type
	// present is a never-NULL condition: the field is present and not
	// null (OpExists).
	present string
}

var textType = schema.Type{Kind: schema.KindString}

// jsonNode is the element type of the values found in JSON (json fields,
// extras): JSON nodes, whose text is jsonText and whose numbers compare
// as numbers.
var jsonNode = schema.Type{Kind: schema.KindJSON}

// column renders the expression of a declared (possibly nested) field
// from its lake column names.
func column(cols []string) string {
	var b strings.Builder
	b.WriteString("t")
	for _, c := range cols {
		b.WriteString("." + ident(c))
	}
	return b.String()
}

// source resolves a rule path in the log type.
func (c *typeCompiler) source(path []string) source {
	ref := rules.ResolveField(c.lt, path)
	switch ref.Where {
	case rules.InText:
		return source{list: true, expr: c.recordValues(), elem: textType, present: "TRUE"}
	case rules.InNormalized:
		if !c.hasNormalized(ref.Normalized) {
			return source{never: true}
		}
		col := column([]string{schema.ColNormalized, ref.Normalized})
		return source{list: true, expr: col, elem: textType,
			present: "COALESCE(" + c.d.length(col) + ", 0) > 0"}
	case rules.InDeclared:
		col := column(ref.Columns)
		present := col + " IS NOT NULL"
		if ref.Type.Kind == schema.KindArray {
			list, elem := c.flattenDeclared(col, ref.Type)
			return source{list: true, expr: list, elem: elem, present: present}
		}
		return source{expr: col, elem: ref.Type, present: present}
	case rules.InJSON:
		col := column(ref.Columns)
		nodes := c.d.array(col)
		isArray := ref.Type.Kind == schema.KindArray
		if isArray {
			nodes = col // its elements are the JSON texts
		}
		s := c.jsonSource(nodes, ref.JSONPath)
		if isArray && len(ref.JSONPath) == 0 {
			s.present = col + " IS NOT NULL"
		}
		return s
	case rules.InExtras:
		return c.jsonSource(c.d.array(column([]string{schema.ColExtras})), ref.JSONPath)
	}
	return source{never: true} // InNowhere
}

func (c *typeCompiler) hasNormalized(typ string) bool {
	for _, t := range c.lt.NormalizedTypes() {
		if t == typ {
			return true
		}
	}
	return false
}

// flattenDeclared turns a declared array column (possibly of arrays) into
// one list of its scalar elements, as the matcher walks them.
func (c *typeCompiler) flattenDeclared(col string, t schema.Type) (string, schema.Type) {
	elem := textType
	if t.Elem != nil {
		elem = *t.Elem
	}
	for elem.Kind == schema.KindArray {
		col = "flatten(" + col + ")"
		if elem.Elem == nil {
			return col, textType
		}
		elem = *elem.Elem
	}
	return col, elem
}

// JSON walking. A walk holds a list of JSON nodes (JSON text). Each step
// of the path first replaces arrays by their elements (arrays are
// transparent, as in the matcher), then takes the key from each object;
// JSON nulls and missing keys drop out. At the end, arrays are replaced
// by their elements once more and each node becomes its text. DuckDB's
// JSON functions read JSON text directly; the lake's JSON columns hold
// valid JSON (the classifier writes them).

// dropNullJSON removes SQL NULLs and JSON nulls from a list of JSON nodes.
func (c *typeCompiler) dropNullJSON(list string) string {
	v := c.newVar()
	if c.d == DuckDB {
		return c.d.filter(list, v, v+" IS NOT NULL AND json_type("+v+") <> 'NULL'")
	}
	return c.d.filter(list, v, v+" IS NOT NULL AND json_format("+v+") <> 'null'")
}

// expandJSON replaces array nodes by their elements, jsonArrayDepth
// levels deep. Only elements of arrays are checked for arrays again, so
// the common case (no arrays) costs one type check per node.
func (c *typeCompiler) expandJSON(list string) string {
	v := c.newVar()
	return "flatten(" + c.d.transform(list, v, c.expandBody(v, jsonArrayDepth)) + ")"
}

func (c *typeCompiler) expandBody(v string, depth int) string {
	inner := c.jsonElements(v)
	if depth > 1 {
		w := c.newVar()
		inner = "flatten(" + c.d.transform(inner, w, c.expandBody(w, depth-1)) + ")"
	}
	if c.d == DuckDB {
		return "CASE WHEN json_type(" + v + ") = 'ARRAY' THEN " + inner + " ELSE [" + v + "] END"
	}
	return "COALESCE(" + inner + ", ARRAY[" + v + "])"
}

// jsonElements is the list of an array node's elements; in Athena NULL
// when the node is not an array.
func (c *typeCompiler) jsonElements(v string) string {
	if c.d == DuckDB {
		return "json_extract(" + v + ", '$[*]')"
	}
	return "TRY_CAST(" + v + " AS ARRAY(JSON))"
}

// jsonKey takes key k from every object node.
func (c *typeCompiler) jsonKey(list, k string) string {
	v := c.newVar()
	var body string
	if c.d == DuckDB {
		// A JSON pointer names any key exactly (~ and / escaped). On an
		// array, a numeric pointer would pick an element, so numeric keys
		// are only taken from objects.
		ptr := "/" + strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
		body = "json_extract(" + v + ", " + quote(ptr) + ")"
		if k == "" || strings.Trim(k, "0123456789") == "" {
			body = "CASE WHEN json_type(" + v + ") = 'OBJECT' THEN " + body + " END"
		}
	} else {
		path := `$["` + strings.ReplaceAll(strings.ReplaceAll(k, `\`, `\\`), `"`, `\"`) + `"]`
		body = "json_extract(" + v + ", " + quote(path) + ")"
	}
	return c.dropNullJSON(c.d.transform(list, v, body))
}

// jsonText renders a JSON node as the matcher's text: a string's value,
// a number's canonical text (rules' jsonNumber: DuckDB's BIGINT and
// UBIGINT numbers in decimal, its DOUBLE ones in Go's shortest form),
// booleans true/false and objects as JSON text. Athena renders numbers as
// Trino does.
func (c *typeCompiler) jsonText(v string) string {
	if c.d == DuckDB {
		return "CASE WHEN json_type(" + v + ") = 'DOUBLE' THEN " + fnFloatText + "(CAST(" + v + " AS DOUBLE)) ELSE json_extract_string(" + v + ", '$') END"
	}
	return "COALESCE(json_extract_scalar(" + v + ", '$'), json_format(" + v + "))"
}

// jsonIsNumber holds when a JSON node is a number.
func (c *typeCompiler) jsonIsNumber(v string) string {
	if c.d == DuckDB {
		return "json_type(" + v + ") IN ('BIGINT', 'UBIGINT', 'DOUBLE')"
	}
	return "regexp_like(json_format(" + v + "), '^-?[0-9]')"
}

// jsonSource walks path from the nodes.
func (c *typeCompiler) jsonSource(nodes string, path []string) source {
	if c.d == Athena {
		// Athena's JSON functions take JSON values: parse the text.
		v := c.newVar()
		nodes = c.d.transform(nodes, v, "TRY(json_parse("+v+"))")
	}
	if len(path) == 0 {
		nodes = c.dropNullJSON(nodes)
	}
	for _, k := range path {
		nodes = c.jsonKey(c.expandJSON(nodes), k)
	}
	present := "COALESCE(" + c.d.length(nodes) + ", 0) > 0"
	return source{list: true, expr: c.dropNullJSON(c.expandJSON(nodes)), elem: jsonNode, present: present}
}

// recordValues is the list of texts keyword selections search (rules'
// recordValues): every non-null scalar of the row, declared numbers,
// booleans and timestamps as their text, then the scalars inside json
// fields and the extras.
func (c *typeCompiler) recordValues() string {
	var lists []string
	for _, f := range c.lt.Fields {
		lists = append(lists, c.keywordValues(column([]string{f.Column}), f.Type))
	}
	lists = append(lists, c.jsonScalars(column([]string{schema.ColExtras})))
	v := c.newVar()
	return c.d.filter("flatten("+c.d.array(lists...)+")", v, v+" IS NOT NULL")
}

// keywordValues is the list of texts of a value x of type t (NULLs
// included; recordValues drops them).
func (c *typeCompiler) keywordValues(x string, t schema.Type) string {
	switch t.Kind {
	case schema.KindJSON:
		return c.jsonScalars(x)
	case schema.KindObject:
		var lists []string
		for _, f := range t.Fields {
			lists = append(lists, c.keywordValues(x+"."+ident(f.Column), f.Type))
		}
		if len(lists) == 0 {
			return c.emptyTexts()
		}
		return "flatten(" + c.d.array(lists...) + ")"
	case schema.KindArray:
		elem := textType
		if t.Elem != nil {
			elem = *t.Elem
		}
		v := c.newVar()
		return "COALESCE(flatten(" + c.d.transform(x, v, c.keywordValues(v, elem)) + "), " + c.emptyTexts() + ")"
	}
	return c.d.array(c.text(x, t))
}

func (c *typeCompiler) emptyTexts() string {
	if c.d == DuckDB {
		return "CAST([] AS VARCHAR[])"
	}
	return "CAST(ARRAY[] AS ARRAY(VARCHAR))"
}

// jsonScalars is the list of texts of the scalars inside the JSON text x,
// at any depth (nulls left out). Athena has no recursive JSON path: it
// descends jsonScalarDepth levels of objects and arrays.
func (c *typeCompiler) jsonScalars(x string) string {
	v := c.newVar()
	if c.d == DuckDB {
		nodes := "CASE WHEN json_type(" + x + ") IN ('OBJECT', 'ARRAY') THEN json_extract(" + x + ", '$..*') ELSE [json(" + x + ")] END"
		scalars := c.d.filter(nodes, v, "json_type("+v+") NOT IN ('OBJECT', 'ARRAY', 'NULL')")
		w := c.newVar()
		return "COALESCE(" + c.d.transform(scalars, w, c.jsonText(w)) + ", " + c.emptyTexts() + ")"
	}
	nodes := "ARRAY[TRY(json_parse(" + x + "))]"
	for i := 0; i < jsonScalarDepth; i++ {
		u := c.newVar()
		nodes = "flatten(" + c.d.transform(nodes, u, "COALESCE(map_values(TRY_CAST("+u+" AS MAP(VARCHAR, JSON))), TRY_CAST("+u+" AS ARRAY(JSON)), ARRAY["+u+"])") + ")"
	}
	scalars := c.d.filter(nodes, v, v+" IS NOT NULL AND json_format("+v+") NOT IN ('null', '{}', '[]')")
	w := c.newVar()
	return "COALESCE(" + c.d.transform(scalars, w, c.jsonText(w)) + ", " + c.emptyTexts() + ")"
}

// jsonScalarDepth is how deep Athena looks for keywords inside JSON.
const jsonScalarDepth = 6

// text renders one value of type t as the matcher's text of it.
func (c *typeCompiler) text(x string, t schema.Type) string {
	switch t.Kind {
	case schema.KindInt, schema.KindBigint, schema.KindBool:
		return "CAST(" + x + " AS VARCHAR)"
	case schema.KindFloat:
		if c.d == DuckDB {
			return fnFloatText + "(" + x + ")"
		}
		return "CAST(" + x + " AS VARCHAR)"
	case schema.KindTimestamp:
		return c.timestampText(x)
	case schema.KindObject:
		return c.objectText(x, t)
	case schema.KindJSON:
		return c.jsonText(x)
	}
	return x
}

// timestampText renders a timestamp as Go's RFC 3339 with trailing zeros
// of the fraction trimmed, in UTC.
func (c *typeCompiler) timestampText(x string) string {
	if c.d == DuckDB {
		return "regexp_replace(strftime(" + x + " AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f'), '\\.?0+$', '') || 'Z'"
	}
	return "regexp_replace(format_datetime(" + x + ", 'yyyy-MM-dd''T''HH:mm:ss.SSSSSS'), '\\.?0+$', '') || 'Z'"
}

// objectText renders a declared object as the matcher does: compact JSON,
// lake column names as keys in declaration order, nulls included, strings
// quoted as Go's strconv.Quote does. Athena approximates it with its own
// JSON rendering.
func (c *typeCompiler) objectText(x string, t schema.Type) string {
	if c.d == Athena {
		return "json_format(CAST(" + x + " AS JSON))"
	}
	var b strings.Builder
	b.WriteString("CASE WHEN " + x + " IS NULL THEN NULL ELSE '{' || ")
	for i, f := range t.Fields {
		if i > 0 {
			b.WriteString(" || ',' || ")
		}
		b.WriteString(quote(goQuote(f.Column)+":") + " || " + c.jsonValue(x+"."+ident(f.Column), f.Type))
	}
	if len(t.Fields) == 0 {
		b.WriteString("''")
	}
	b.WriteString(" || '}' END")
	return "(" + b.String() + ")"
}

// jsonValue renders a value inside an object's text; never NULL.
func (c *typeCompiler) jsonValue(x string, t schema.Type) string {
	var r string
	switch t.Kind {
	case schema.KindJSON:
		r = x
	case schema.KindInt, schema.KindBigint, schema.KindBool, schema.KindFloat, schema.KindObject:
		r = c.text(x, t)
	case schema.KindArray:
		elem := textType
		if t.Elem != nil {
			elem = *t.Elem
		}
		v := c.newVar()
		r = "'[' || " + c.d.join(c.d.transform(x, v, c.jsonValue(v, elem)), "','") + " || ']'"
	default: // string, ip, timestamp
		r = fnGoQuote + "(" + c.text(x, t) + ")"
	}
	return "COALESCE(" + r + ", 'null')"
}

// fieldText renders a rule path's values as one text for the field
// columns: the value's text, several joined with ", ", NULL when missing.
func (c *typeCompiler) fieldText(path string) string {
	s := c.source(splitPath(path))
	switch {
	case s.never:
		return "CAST(NULL AS VARCHAR)"
	case s.list:
		list := s.expr
		if v := c.newVar(); c.text(v, s.elem) != v {
			list = c.d.transform(list, v, c.text(v, s.elem))
		}
		return "NULLIF(" + c.d.join(list, "', '") + ", '')"
	}
	return c.text(s.expr, s.elem)
}

// splitPath splits a dotted field path as the rules package does.
func splitPath(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}
