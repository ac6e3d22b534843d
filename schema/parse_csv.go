package schema

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/valyala/fastjson"
)

// csvParser reads one delimited line per record.
//
// Columns are named, in order of precedence, by the header line (option
// header), by the columns option, or by the declared fields in order. A
// line must have exactly as many values as there are columns. Quoted values
// may hold the delimiter and doubled quotes; a quoted value cannot span
// lines. A quote inside an unquoted value is an ordinary character; nothing
// is trimmed. Empty values are kept as "" and "-" is an ordinary value:
// deciding what "" or "-" means for a typed field is the coercion's job.
// Columns with an empty name are skipped; of columns with the same name,
// the last one is kept.
//
// Records are built as JSON text and parsed by fastjson rather than in an
// arena: Object.Set checks for an existing key, so an arena object of n
// keys costs n²/2 string comparisons (15µs for 100 columns, 5µs through
// the text; the same for 14 columns). Column names are distinct, so the
// text has no repeated key.
//
// Header state: with header set, the parser remembers the header line it
// took and names the following lines' columns by it, across units and
// payloads, until ResetPayload. A line equal to the remembered header is
// consumed and emits nothing. A line is taken as a (new) header when no
// header is known yet and it names every required field and names declared
// fields in at least half of its columns; or, once a header is known, when
// every one of its columns names a declared field (a new file with another
// column order). A data line seen before any header is an error. Without
// declared fields, the first line is the header.
type csvParser struct {
	comment      []byte // lines starting with it are consumed without a record
	delim, quote byte
	header       bool
	fields       []Field
	required     []string // declared required field names (header check)
	declared     map[string]bool
	columns      []string // current column names
	keep         []bool   // per column: emit it (named, and not repeated later)
	keyJSON      [][]byte // per column: `"name":`
	headerLine   []byte   // the header line taken, when header is set
	minColumns   int      // fewest columns a line may have (0: exactly the columns)
	restKey      []byte   // `"name":` of the field holding cells past the known columns

	cells   []csvCell
	scratch []byte // unescaped quoted values
	lower   []byte
	text    []byte          // the record as JSON text
	json    fastjson.Parser // parses text
}

type csvCell struct {
	start, end int
	unescaped  bool // the value is scratch[start:end], else line[start:end]
}

func newCSVParser(cfg ParserConfig, fields []Field) (*csvParser, error) {
	delim, err := optionChar("csv delimiter", cfg.Delimiter, ',')
	if err != nil {
		return nil, err
	}
	quote, err := optionChar("csv quote", cfg.Quote, '"')
	if err != nil {
		return nil, err
	}
	if delim == quote {
		return nil, fmt.Errorf("csv delimiter and quote are both %q", delim)
	}
	p := &csvParser{comment: []byte(cfg.Comment), delim: delim, quote: quote, header: cfg.Header, fields: fields,
		declared: make(map[string]bool), minColumns: cfg.MinColumns}
	if cfg.Rest != "" {
		p.restKey = append(appendJSONQuoted(nil, []byte(cfg.Rest)), ':')
	}
	for _, f := range fields {
		p.declared[string(appendASCIILower(nil, []byte(f.Name)))] = true
		if f.Required {
			p.required = append(p.required, f.Name)
		}
	}
	switch {
	case cfg.Header && len(cfg.Columns) > 0:
		return nil, fmt.Errorf("csv header and columns exclude each other (the header names the columns)")
	case cfg.Header:
	case len(cfg.Columns) > 0:
		p.setColumns(cfg.Columns)
	default:
		if len(fields) == 0 {
			return nil, fmt.Errorf("csv needs header, columns or declared fields to name its columns")
		}
		cols := make([]string, len(fields))
		for i, f := range fields {
			cols[i] = f.Name
		}
		p.setColumns(cols)
	}
	return p, nil
}

// ResetPayload forgets the remembered header line, so the next payload
// must start with its own.
func (p *csvParser) ResetPayload() {
	if p.header {
		p.columns, p.headerLine = nil, nil
	}
}

// Parse reads one line. A header line emits nothing.
func (p *csvParser) Parse(unit []byte, emit func(raw []byte, obj *fastjson.Value) error) error {
	line := bytes.TrimPrefix(trimLine(unit), utf8BOM)
	if len(p.comment) > 0 && bytes.HasPrefix(line, p.comment) {
		return nil
	}
	if p.header && p.headerLine != nil && bytes.Equal(line, p.headerLine) {
		return nil
	}
	if err := p.split(line); err != nil {
		return err
	}
	if p.header {
		if p.columns == nil {
			return p.takeHeader(line, false)
		}
		if p.isDeclared(line, 0) && p.takeHeader(line, true) == nil {
			return nil
		}
	}
	switch {
	case p.minColumns == 0 && len(p.cells) != len(p.columns):
		return fmt.Errorf("csv: %d columns, want %d", len(p.cells), len(p.columns))
	case p.minColumns > 0 && len(p.cells) < p.minColumns:
		return fmt.Errorf("csv: %d columns, want at least %d", len(p.cells), p.minColumns)
	case p.minColumns > 0 && len(p.cells) > len(p.columns) && p.restKey == nil:
		return fmt.Errorf("csv: %d columns, want at most %d", len(p.cells), len(p.columns))
	}
	p.text = append(p.text[:0], '{')
	for i, c := range p.cells {
		if i >= len(p.columns) {
			// Cells past the known columns, kept as written in one field.
			if len(p.text) > 1 {
				p.text = append(p.text, ',')
			}
			p.text = append(p.text, p.restKey...)
			p.text = appendJSONQuoted(p.text, p.restText(line, i))
			break
		}
		if p.keep[i] {
			if len(p.text) > 1 {
				p.text = append(p.text, ',')
			}
			p.text = append(p.text, p.keyJSON[i]...)
			p.text = appendJSONQuoted(p.text, p.cell(line, c))
		}
	}
	p.text = append(p.text, '}')
	obj, err := p.json.ParseBytes(p.text)
	if err != nil {
		return fmt.Errorf("internal error: csv record text does not parse: %v", err)
	}
	return emit(line, obj)
}

// restText is the text of cells i and after, each as written (quoted
// ones unescaped), joined with the delimiter.
func (p *csvParser) restText(line []byte, i int) []byte {
	var out []byte
	for j := i; j < len(p.cells); j++ {
		if j > i {
			out = append(out, p.delim)
		}
		out = append(out, p.cell(line, p.cells[j])...)
	}
	return out
}

// setColumns names the columns. A repeated name keeps its last column, as
// a repeated key does in the other parsers; an empty name is skipped.
func (p *csvParser) setColumns(cols []string) {
	p.columns = cols
	p.keep = make([]bool, len(cols))
	p.keyJSON = make([][]byte, len(cols))
	last := make(map[string]int, len(cols))
	for i, c := range cols {
		last[c] = i
	}
	for i, c := range cols {
		p.keep[i] = c != "" && last[c] == i
		p.keyJSON[i] = append(appendJSONQuoted(nil, []byte(c)), ':')
	}
}

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// split cuts line into p.cells.
func (p *csvParser) split(line []byte) error {
	p.cells = p.cells[:0]
	p.scratch = p.scratch[:0]
	i := 0
	for {
		if i < len(line) && line[i] == p.quote {
			end, err := p.quoted(line, i)
			if err != nil {
				return err
			}
			if end == len(line) {
				return nil
			}
			if line[end] != p.delim {
				return fmt.Errorf("csv: column %d: %q after the closing quote, want %q or end of line",
					len(p.cells), line[end], p.delim)
			}
			i = end + 1
			continue
		}
		k := bytes.IndexByte(line[i:], p.delim)
		if k < 0 {
			p.cells = append(p.cells, csvCell{start: i, end: len(line)})
			return nil
		}
		p.cells = append(p.cells, csvCell{start: i, end: i + k})
		i += k + 1
	}
}

// quoted reads the quoted value opening at line[open], appends its cell and
// returns the index just past the closing quote.
func (p *csvParser) quoted(line []byte, open int) (int, error) {
	from := open + 1 // start of the not yet copied text
	j := from
	escaped := false
	start := len(p.scratch)
	for {
		k := bytes.IndexByte(line[j:], p.quote)
		if k < 0 {
			return 0, fmt.Errorf("csv: column %d: quoted value has no closing quote", len(p.cells)+1)
		}
		j += k
		if j+1 < len(line) && line[j+1] == p.quote { // doubled quote: one literal quote
			p.scratch = append(p.scratch, line[from:j+1]...)
			j += 2
			from = j
			escaped = true
			continue
		}
		break
	}
	if escaped {
		p.scratch = append(p.scratch, line[from:j]...)
		p.cells = append(p.cells, csvCell{start: start, end: len(p.scratch), unescaped: true})
	} else {
		p.cells = append(p.cells, csvCell{start: open + 1, end: j})
	}
	return j + 1, nil
}

func (p *csvParser) cell(line []byte, c csvCell) []byte {
	if c.unescaped {
		return p.scratch[c.start:c.end]
	}
	return line[c.start:c.end]
}

// isDeclared reports whether cell i of line names a declared field,
// ignoring ASCII case.
func (p *csvParser) isDeclared(line []byte, i int) bool {
	if i >= len(p.cells) {
		return false
	}
	p.lower = appendASCIILower(p.lower[:0], p.cell(line, p.cells[i]))
	return p.declared[string(p.lower)]
}

func appendASCIILower(dst, s []byte) []byte {
	for _, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// takeHeader makes the current line the header when it looks like one.
// With known set, a header is already known and every column must name a
// declared field.
func (p *csvParser) takeHeader(line []byte, known bool) error {
	named := 0
	for i := range p.cells {
		if p.isDeclared(line, i) {
			named++
		}
	}
	switch {
	case known && named != len(p.cells):
		return fmt.Errorf("csv: not a header")
	case len(p.fields) > 0 && 2*named < len(p.cells):
		return fmt.Errorf("csv: want a header line naming the columns first, got %s (%d of %d columns name declared fields)",
			excerpt(line), named, len(p.cells))
	}
	cols := make([]string, len(p.cells))
	for i, c := range p.cells {
		cols[i] = string(p.cell(line, c))
	}
	for _, r := range p.required {
		if !containsFold(cols, r) {
			return fmt.Errorf("csv: header line %s lacks required field %q", excerpt(line), r)
		}
	}
	p.setColumns(cols)
	p.headerLine = append(p.headerLine[:0], line...)
	return nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
