package intel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"time"
)

// Format is an IOC file format.
type Format uint8

// The formats.
const (
	FormatCSV  Format = iota + 1 // type,value,source,expires with a header
	FormatList                   // one value per line, the type set in config
	FormatSTIX                   // a STIX 2.1 bundle
	FormatMISP                   // a MISP event export (JSON)
)

var formatNames = map[Format]string{FormatCSV: "csv", FormatList: "list", FormatSTIX: "stix", FormatMISP: "misp"}

func (f Format) String() string {
	if s, ok := formatNames[f]; ok {
		return s
	}
	return fmt.Sprintf("format(%d)", uint8(f))
}

// ParseFormat reads a format name: csv, list (or txt), stix, misp.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "csv":
		return FormatCSV, nil
	case "list", "txt", "text":
		return FormatList, nil
	case "stix", "stix2", "stix2.1":
		return FormatSTIX, nil
	case "misp":
		return FormatMISP, nil
	}
	return 0, fmt.Errorf("unknown IOC format %q (want csv, list, stix or misp)", s)
}

// DetectFormat chooses the format of an IOC file from its name and
// content: .csv is CSV, .txt and .list are plain lists, and .json is a
// STIX bundle when its top-level type is "bundle" and a MISP export when it
// holds an Event (or a response list of events).
func DetectFormat(name string, data []byte) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return FormatCSV, nil
	case ".txt", ".list":
		return FormatList, nil
	case ".json":
		return detectJSON(data)
	}
	return 0, fmt.Errorf("%s: unknown IOC file extension (want .csv, .txt, .list or .json)", name)
}

func detectJSON(data []byte) (Format, error) {
	t := bytes.TrimSpace(data)
	if len(t) > 0 && t[0] == '[' {
		return FormatMISP, nil // a list of {"Event": …}
	}
	var probe struct {
		Type     *string          `json:"type"`
		Event    *json.RawMessage `json:"Event"`
		Response *json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return 0, fmt.Errorf("not JSON: %v", err)
	}
	switch {
	case probe.Type != nil && *probe.Type == "bundle":
		return FormatSTIX, nil
	case probe.Event != nil || probe.Response != nil:
		return FormatMISP, nil
	}
	return 0, fmt.Errorf("JSON that is neither a STIX 2.1 bundle (type: bundle) nor a MISP event export (Event)")
}

// Source says what to read and how.
type Source struct {
	// Name is the set's name; Origin is the file path or URL it came from
	// (used in error messages).
	Name, Origin string
	Format       Format
	// ListType is the type of every value of a plain list; 0 guesses the
	// type of each value (Guess).
	ListType Type
	// Now is the load time.
	Now time.Time
}

// Parse reads a set in s's format. An entry that is not what its format
// promises is an error naming the origin and line (or object); entries a
// format may carry that are not IOCs this package knows (a STIX pattern
// that is not a simple comparison, a MISP attribute of another type) are
// skipped and counted in Set.Skipped.
func Parse(s Source, data []byte) (*Set, error) {
	return ParseReader(s, bytes.NewReader(data))
}

// ParseReader is Parse reading from r. CSV files and lists are read as a
// stream; JSON formats are read whole.
func ParseReader(s Source, r io.Reader) (*Set, error) {
	b := NewBuilder(s.Name, s.Origin, s.Format)
	var err error
	switch s.Format {
	case FormatCSV:
		err = parseCSV(b, s.Origin, r)
	case FormatList:
		err = parseList(b, s.Origin, r, s.ListType)
	case FormatSTIX, FormatMISP:
		var data []byte
		if data, err = io.ReadAll(r); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Origin, err)
		}
		if s.Format == FormatSTIX {
			err = parseSTIX(b, s.Origin, data)
		} else {
			err = parseMISP(b, s.Origin, data)
		}
	default:
		err = fmt.Errorf("%s: unknown format %v", s.Origin, s.Format)
	}
	if err != nil {
		return nil, err
	}
	return b.Set(s.Now), nil
}

// LoadFile reads an IOC file of fsys, choosing its format with
// DetectFormat. The set is named name; listType is the type of a plain
// list's values (0: each value's type is guessed, see Guess). origin is the
// path shown in messages.
func LoadFile(fsys fs.FS, path, origin, name string, listType Type, now time.Time) (*Set, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var head []byte
	if strings.EqualFold(filepath.Ext(path), ".json") {
		if head, err = io.ReadAll(f); err != nil {
			return nil, fmt.Errorf("%s: %w", origin, err)
		}
	}
	format, err := DetectFormat(path, head)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	src := Source{Name: name, Origin: origin, Format: format, ListType: listType, Now: now}
	if head != nil {
		return Parse(src, head)
	}
	return ParseReader(src, f)
}
