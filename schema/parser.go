package schema

import (
	"fmt"
	"regexp"

	"github.com/valyala/fastjson"
)

// A Parser turns one unit of input (a JSON document, or one line of text)
// into zero or more records. Each record is handed to emit as a fastjson
// object whose keys are the source's field names, together with the record's
// own raw bytes (used for its stable id and for keyword search).
//
// A Parser keeps scratch state (a fastjson parser and arena) and is not safe
// for concurrent use; the obj passed to emit is valid only until emit
// returns. Parse returns an error saying why the unit is not of this format.
type Parser interface {
	Parse(unit []byte, emit func(raw []byte, obj *fastjson.Value) error) error
}

// NewParser builds the parser a definition asks for. fields are the log
// type's declared fields (csv uses their order as the default columns).
func NewParser(cfg ParserConfig, fields []Field) (Parser, error) {
	if err := cfg.check(fields); err != nil {
		return nil, err
	}
	return newParser(cfg, fields)
}

// check validates parser options that do not need a parser to be built.
func (c ParserConfig) check(fields []Field) error {
	switch c.Type {
	case "json", "csv", "kv", "syslog", "regex":
	case "":
		return fmt.Errorf("missing type (json, csv, kv, syslog or regex)")
	default:
		return fmt.Errorf("unknown type %q (want json, csv, kv, syslog or regex)", c.Type)
	}
	if c.Type == "regex" {
		if c.Pattern == "" {
			return fmt.Errorf("regex parser needs a pattern")
		}
		re, err := regexp.Compile(c.Pattern)
		if err != nil {
			return fmt.Errorf("pattern: %v", err)
		}
		named := 0
		for _, n := range re.SubexpNames() {
			if n != "" {
				named++
			}
		}
		if named == 0 {
			return fmt.Errorf("pattern has no named groups")
		}
	}
	if (c.MinColumns != 0 || c.Rest != "") && c.Type != "csv" {
		return fmt.Errorf("min_columns and rest apply to the csv parser only")
	}
	if c.MinColumns < 0 || c.Rest != "" && c.MinColumns == 0 {
		return fmt.Errorf("rest needs min_columns, and min_columns must be positive")
	}
	if c.Rest != "" && FieldIndex(fields, c.Rest) < 0 {
		return fmt.Errorf("rest names %q, which is not a declared field", c.Rest)
	}
	if c.JSONRecords && c.Type != "csv" && c.Type != "kv" && c.Type != "regex" {
		return fmt.Errorf("json_records applies to the csv, kv and regex parsers only")
	}
	if c.Comment != "" && c.Type != "csv" && c.Type != "regex" {
		return fmt.Errorf("comment applies to the csv and regex parsers only")
	}
	if c.Type == "syslog" && c.Format != "" && c.Format != "rfc3164" && c.Format != "rfc5424" {
		return fmt.Errorf("syslog format %q (want rfc3164, rfc5424 or empty for either)", c.Format)
	}
	return nil
}
