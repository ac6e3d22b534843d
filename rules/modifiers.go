package rules

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// modKind groups the modifiers by what they do to an item.
type modKind uint8

const (
	modTransform modKind = iota + 1 // rewrites each string value (encodings, windash)
	modWrap                         // contains, startswith, endswith
	modFlag                         // all, cased
	modRegex                        // re and its flags
	modCIDR
	modExists
	modCompare // gt, gte, lt, lte
	modFieldRef
	modNeq
	modUnsupported
	modCustom // builds the whole item itself (ioc, lookup)
)

type modifier struct {
	kind modKind
	// transform rewrites one literal value into one or more (encodings,
	// windash). A nil result with an error rejects the value.
	transform func(v Glob) ([]Glob, error)
	reason    string // why an unsupported modifier is rejected
	// build compiles an item whose only modifier this is (modCustom).
	build func(it Item) (Expr, error)
}

// modifiers is the table of value modifiers (`field|name`). It is a
// variable so that later features (IOC sets, lookup tables) can add theirs.
var modifiers = map[string]modifier{
	"contains":     {kind: modWrap},
	"startswith":   {kind: modWrap},
	"endswith":     {kind: modWrap},
	"all":          {kind: modFlag},
	"cased":        {kind: modFlag},
	"re":           {kind: modRegex},
	"i":            {kind: modRegex},
	"m":            {kind: modRegex},
	"s":            {kind: modRegex},
	"ignorecase":   {kind: modRegex},
	"multiline":    {kind: modRegex},
	"dotall":       {kind: modRegex},
	"cidr":         {kind: modCIDR},
	"exists":       {kind: modExists},
	"gt":           {kind: modCompare},
	"gte":          {kind: modCompare},
	"lt":           {kind: modCompare},
	"lte":          {kind: modCompare},
	"fieldref":     {kind: modFieldRef},
	"neq":          {kind: modNeq},
	"base64":       {kind: modTransform, transform: encodeBase64},
	"base64offset": {kind: modTransform, transform: encodeBase64Offset},
	"wide":         {kind: modTransform, transform: encodeUTF16(false, false)},
	"utf16le":      {kind: modTransform, transform: encodeUTF16(false, false)},
	"utf16be":      {kind: modTransform, transform: encodeUTF16(true, false)},
	"utf16":        {kind: modTransform, transform: encodeUTF16(false, true)},
	"windash":      {kind: modTransform, transform: windash},
	"expand": {kind: modUnsupported, reason: "the expand modifier needs placeholder values, which are not supported; " +
		"replace %placeholder% with the values"},
	"minute": {kind: modUnsupported, reason: "time-part modifiers (minute, hour, day, week, month, year) are not supported yet"},
	"hour":   {kind: modUnsupported, reason: "time-part modifiers (minute, hour, day, week, month, year) are not supported yet"},
	"day":    {kind: modUnsupported, reason: "time-part modifiers (minute, hour, day, week, month, year) are not supported yet"},
	"week":   {kind: modUnsupported, reason: "time-part modifiers (minute, hour, day, week, month, year) are not supported yet"},
	"month":  {kind: modUnsupported, reason: "time-part modifiers (minute, hour, day, week, month, year) are not supported yet"},
	"year":   {kind: modUnsupported, reason: "time-part modifiers (minute, hour, day, week, month, year) are not supported yet"},
}

// ItemValue is one value of a detection item as written in YAML: Text is
// the scalar as text (canonical decimal for YAML integers, "true"/"false"
// for booleans, "" for null).
type ItemValue struct {
	Text string
	Null bool
	Num  bool // written as a YAML int or float
	Bool bool // written as a YAML bool
	Line int
}

// Item is one `field|modifiers: values` entry of a selection, as written.
type Item struct {
	Field     string   // "" for a keyword (field-less) item
	Modifiers []string // in order
	Values    []ItemValue
	Line      int
}

// itemError is a problem in one detection item.
type itemError struct {
	line int
	msg  string
}

func (e *itemError) Error() string { return e.msg }

func itemErrf(line int, format string, args ...any) error {
	return &itemError{line: line, msg: fmt.Sprintf(format, args...)}
}

// compileItem turns one detection item into an expression.
func compileItem(it Item) (Expr, error) {
	var (
		transforms []modifier
		transNames []string
		wrapStart  bool
		wrapEnd    bool
		all, cased bool
		neq        bool
		kind       modKind // the "main" modifier kind, if any
		mainName   string
		reFlags    []string
	)
	field := it.Field
	for i, name := range it.Modifiers {
		m, ok := modifiers[name]
		if !ok {
			return nil, itemErrf(it.Line, "%s: unknown modifier %q", itemName(it), name)
		}
		switch m.kind {
		case modCustom:
			if len(it.Modifiers) != 1 || field == "" {
				return nil, itemErrf(it.Line, "%s: %s is the only modifier of a field (field|%s: …)", itemName(it), name, name)
			}
			return m.build(it)
		case modUnsupported:
			return nil, itemErrf(it.Line, "%s: %s", itemName(it), m.reason)
		case modTransform:
			if kind != 0 && kind != modFieldRef {
				return nil, itemErrf(it.Line, "%s: %s cannot follow %s", itemName(it), name, mainName)
			}
			if wrapStart || wrapEnd {
				return nil, itemErrf(it.Line, "%s: %s must come before contains, startswith and endswith (it cannot encode wildcards)", itemName(it), name)
			}
			transforms = append(transforms, m)
			transNames = append(transNames, name)
		case modWrap:
			switch name {
			case "contains":
				wrapStart, wrapEnd = true, true
			case "startswith":
				wrapEnd = true
			case "endswith":
				wrapStart = true
			}
			if kind != 0 && kind != modFieldRef {
				return nil, itemErrf(it.Line, "%s: %s cannot be combined with %s", itemName(it), name, mainName)
			}
		case modFlag:
			if name == "all" {
				all = true
			} else {
				cased = true
			}
		case modNeq:
			neq = true
		case modRegex:
			if name == "re" {
				if i != 0 {
					return nil, itemErrf(it.Line, "%s: re must be the first modifier", itemName(it))
				}
				kind, mainName = modRegex, name
				continue
			}
			if kind != modRegex {
				return nil, itemErrf(it.Line, "%s: regex flag %q needs the re modifier before it", itemName(it), name)
			}
			reFlags = append(reFlags, name)
		default: // cidr, exists, compare, fieldref
			if kind != 0 {
				return nil, itemErrf(it.Line, "%s: %s cannot be combined with %s", itemName(it), name, mainName)
			}
			if m.kind == modCIDR && i != 0 {
				return nil, itemErrf(it.Line, "%s: cidr must be the first modifier", itemName(it))
			}
			if len(transforms) > 0 || wrapStart || wrapEnd {
				return nil, itemErrf(it.Line, "%s: %s cannot be combined with %s", itemName(it), name, strings.Join(it.Modifiers[:i], "|"))
			}
			kind, mainName = m.kind, name
		}
	}
	if kind == modRegex && (len(transforms) > 0 || wrapStart || wrapEnd || cased) {
		return nil, itemErrf(it.Line, "%s: re takes only the flags i, m and s (and all)", itemName(it))
	}
	if (kind == modCIDR || kind == modExists || kind == modCompare) && cased {
		return nil, itemErrf(it.Line, "%s: cased does not apply to %s", itemName(it), mainName)
	}
	if kind == modFieldRef && len(transforms) > 0 {
		return nil, itemErrf(it.Line, "%s: fieldref takes only contains, startswith, endswith, cased and all", itemName(it))
	}
	if field == "" && (kind == modExists || kind == modFieldRef || kind == modCompare || kind == modCIDR) {
		return nil, itemErrf(it.Line, "keyword selection: %s needs a field", mainName)
	}
	if len(it.Values) == 0 {
		return nil, itemErrf(it.Line, "%s: no values", itemName(it))
	}
	for _, v := range it.Values {
		if v.Null && len(it.Modifiers) > 0 {
			return nil, itemErrf(v.Line, "%s: null takes no modifiers (null matches a missing or null field)", itemName(it))
		}
	}
	if field == "" && kind == 0 && !wrapStart && !wrapEnd {
		// A keyword is searched for inside each value of the record;
		// with startswith or endswith, at a value's start or end.
		wrapStart, wrapEnd = true, true
	}

	path := splitPath(field)
	var leaves []Expr
	switch kind {
	case modExists:
		if len(it.Values) != 1 || !it.Values[0].Bool {
			return nil, itemErrf(it.Line, "%s: exists takes true or false", itemName(it))
		}
		var x Expr = &Leaf{Field: field, Path: path, Op: OpExists, Line: it.Line}
		if it.Values[0].Text == "false" {
			x = newNot(x)
		}
		return negateIf(x, neq), nil
	case modCompare:
		op := map[string]Op{"gt": OpGT, "gte": OpGTE, "lt": OpLT, "lte": OpLTE}[mainName]
		for _, v := range it.Values {
			f, err := strconv.ParseFloat(v.Text, 64)
			if v.Null || v.Bool || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, itemErrf(v.Line, "%s: %s needs a number, not %q", itemName(it), mainName, v.Text)
			}
			leaves = append(leaves, &Leaf{Field: field, Path: path, Op: op, Values: []string{strconv.FormatFloat(f, 'g', -1, 64)}, Line: v.Line, num: []float64{f}})
		}
		return combine(leaves, all, neq), nil
	case modCIDR:
		l := &Leaf{Field: field, Path: path, Op: OpCIDR, Cased: true, Line: it.Line}
		for _, v := range it.Values {
			p, err := parseCIDR(v.Text)
			if err != nil || v.Null {
				return nil, itemErrf(v.Line, "%s: %q is not an IPv4 or IPv6 network", itemName(it), v.Text)
			}
			if all {
				leaves = append(leaves, &Leaf{Field: field, Path: path, Op: OpCIDR, Cased: true, Line: v.Line, Values: []string{p.String()}, nets: []netip.Prefix{p}})
				continue
			}
			l.Values = append(l.Values, p.String())
			l.nets = append(l.nets, p)
		}
		if !all {
			leaves = []Expr{l}
		}
		return combine(leaves, all, neq), nil
	case modRegex:
		prefix := regexFlags(reFlags)
		for _, v := range it.Values {
			if v.Null {
				return nil, itemErrf(v.Line, "%s: re needs a pattern, not null", itemName(it))
			}
			pat := prefix + v.Text
			re, err := newRegex(pat)
			if err != nil {
				return nil, itemErrf(v.Line, "%s: %q is not a valid RE2 regular expression: %v", itemName(it), v.Text, reErr(err))
			}
			leaves = append(leaves, &Leaf{Field: field, Path: path, Op: OpRegex, Cased: true, Line: v.Line, Values: []string{pat}, res: []*regex{re}})
		}
		return combine(leaves, all, neq), nil
	case modFieldRef:
		op := OpRefEq
		switch {
		case wrapStart && wrapEnd:
			op = OpRefContains
		case wrapEnd:
			op = OpRefStartsWith
		case wrapStart:
			op = OpRefEndsWith
		}
		for _, v := range it.Values {
			if v.Null || v.Text == "" {
				return nil, itemErrf(v.Line, "%s: fieldref needs a field name", itemName(it))
			}
			leaves = append(leaves, &Leaf{Field: field, Path: path, Op: op, Values: []string{v.Text}, Cased: cased, Line: v.Line})
		}
		return combine(leaves, all, neq), nil
	}

	// String matching, possibly after encodings.
	var per []Expr // one expression per written value
	for _, v := range it.Values {
		if v.Null {
			per = append(per, newNot(&Leaf{Field: field, Path: path, Op: OpExists, Line: v.Line}))
			continue
		}
		var g Glob
		if v.Num || v.Bool {
			g = literalGlob(v.Text)
		} else {
			g = parseSigmaString(v.Text)
		}
		globs := []Glob{g}
		for ti, t := range transforms {
			var next []Glob
			for _, g := range globs {
				out, err := t.transform(g)
				if err != nil {
					return nil, itemErrf(v.Line, "%s: %s: %v", itemName(it), transNames[ti], err)
				}
				next = append(next, out...)
			}
			globs = next
		}
		if len(globs) > maxExpansion {
			return nil, itemErrf(v.Line, "%s: %q expands to %d values (more than %d)", itemName(it), v.Text, len(globs), maxExpansion)
		}
		var alts []Expr
		for _, g := range globs {
			alts = append(alts, stringLeaf(field, path, g.wrap(wrapStart, wrapEnd), cased, v.Line))
		}
		per = append(per, mergeOr(alts))
	}
	if all {
		return negateIf(newAnd(per...), neq), nil
	}
	return negateIf(mergeOr(per), neq), nil
}

// maxExpansion bounds how many values one written value may expand to
// (windash permutations times base64 offsets).
const maxExpansion = 4096

func itemName(it Item) string {
	if it.Field == "" && len(it.Modifiers) == 0 {
		return "keywords"
	}
	return strings.Join(append([]string{it.Field}, it.Modifiers...), "|")
}

// stringLeaf builds the leaf for one pattern.
func stringLeaf(field string, path []string, g Glob, cased bool, line int) *Leaf {
	if !cased {
		valid := true
		for _, p := range g {
			if p.Wild == 0 && !utf8.ValidString(p.Text) {
				valid = false
			}
		}
		if valid {
			g = g.mapText(strings.ToLower)
		} else {
			// Lower-casing would replace the invalid bytes; compare exactly.
			cased = true
		}
	}
	op, lit := g.classify()
	l := &Leaf{Field: field, Path: path, Op: op, Cased: cased, Line: line}
	if op == OpGlob {
		l.Values = []string{g.String()}
		l.Globs = []Glob{g}
	} else {
		l.Values = []string{lit}
	}
	return l
}

// mergeOr ORs expressions, merging leaves of the same field, operator and
// case into one multi-valued leaf (so that eventName: [A, B] is one leaf
// with two values).
func mergeOr(xs []Expr) Expr {
	var out []Expr
	for _, x := range xs {
		l, ok := x.(*Leaf)
		if !ok || l.Op == OpExists {
			out = append(out, x)
			continue
		}
		merged := false
		for _, o := range out {
			m, ok := o.(*Leaf)
			if ok && m.Field == l.Field && m.Op == l.Op && m.Cased == l.Cased && m.Op != OpExists {
				for i, v := range l.Values {
					if !containsString(m.Values, v) {
						m.Values = append(m.Values, v)
						if l.Globs != nil {
							m.Globs = append(m.Globs, l.Globs[i])
						}
						if l.res != nil {
							m.res = append(m.res, l.res[i])
						}
						if l.nets != nil {
							m.nets = append(m.nets, l.nets[i])
						}
						if l.num != nil {
							m.num = append(m.num, l.num[i])
						}
					}
				}
				merged = true
				break
			}
		}
		if !merged {
			c := *l
			c.Values = append([]string(nil), l.Values...)
			c.Globs = append([]Glob(nil), l.Globs...)
			c.res = append([]*regex(nil), l.res...)
			c.nets = append([]netip.Prefix(nil), l.nets...)
			c.num = append([]float64(nil), l.num...)
			out = append(out, &c)
		}
	}
	return newOr(out...)
}

func combine(leaves []Expr, all, neq bool) Expr {
	if all {
		return negateIf(newAnd(leaves...), neq)
	}
	return negateIf(mergeOr(leaves), neq)
}

func negateIf(x Expr, neg bool) Expr {
	if neg {
		return newNot(x)
	}
	return x
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func regexFlags(flags []string) string {
	set := map[byte]bool{}
	for _, f := range flags {
		switch f {
		case "i", "ignorecase":
			set['i'] = true
		case "m", "multiline":
			set['m'] = true
		case "s", "dotall":
			set['s'] = true
		}
	}
	var b []byte
	for _, c := range []byte("ims") {
		if set[c] {
			b = append(b, c)
		}
	}
	if len(b) == 0 {
		return ""
	}
	return "(?" + string(b) + ")"
}

// reErr shortens Go's regexp error ("error parsing regexp: ...").
func reErr(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

// parseCIDR reads a network, or a single address as a full-length prefix.
func parseCIDR(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() {
			bits := p.Bits() - 96
			if bits < 0 {
				return netip.Prefix{}, fmt.Errorf("%s: an IPv4-mapped network needs at least 96 bits", s)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), bits)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// encodeBase64 is Sigma's base64 modifier: the value's bytes, base64 encoded
// with padding.
func encodeBase64(g Glob) ([]Glob, error) {
	s, ok := g.literal()
	if !ok {
		return nil, fmt.Errorf("a value with wildcards cannot be base64 encoded")
	}
	return []Glob{literalGlob(base64.StdEncoding.EncodeToString([]byte(s)))}, nil
}

// encodeBase64Offset is Sigma's base64offset modifier: the three encodings
// of the value placed at byte offsets 0, 1 and 2 of a base64 stream, each
// trimmed to the characters that do not depend on the neighbouring bytes.
func encodeBase64Offset(g Glob) ([]Glob, error) {
	s, ok := g.literal()
	if !ok {
		return nil, fmt.Errorf("a value with wildcards cannot be base64 encoded")
	}
	start := [3]int{0, 2, 3}
	endTrim := [3]int{0, 3, 2}
	var out []Glob
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		end := len(enc) - endTrim[(len(s)+i)%3]
		if start[i] > end {
			return nil, fmt.Errorf("%q is too short for base64offset", s)
		}
		out = append(out, literalGlob(enc[start[i]:end]))
	}
	return out, nil
}

// encodeUTF16 encodes the literal parts of a value as UTF-16 (little or big
// endian), optionally with a byte order mark in front.
func encodeUTF16(bigEndian, bom bool) func(Glob) ([]Glob, error) {
	return func(g Glob) ([]Glob, error) {
		enc := func(s string) string {
			units := utf16.Encode([]rune(s))
			b := make([]byte, 0, 2*len(units))
			for _, u := range units {
				if bigEndian {
					b = binary.BigEndian.AppendUint16(b, u)
				} else {
					b = binary.LittleEndian.AppendUint16(b, u)
				}
			}
			return string(b)
		}
		out := g.mapText(enc)
		if bom {
			out = append(Glob{{Text: "\xff\xfe"}}, out...).normalize()
		}
		return []Glob{out}, nil
	}
}

// windashChars are the characters a command-line dash may be written as.
var windashChars = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

// windash expands every '-' or '/' that starts a command-line flag (not
// preceded by a word character, followed by one) into all dash variants,
// in every combination.
func windash(g Glob) ([]Glob, error) {
	// Find the positions across literal parts. Word-ness at part borders
	// looks at the neighbouring literal only; a wildcard counts as a
	// non-word character.
	type pos struct{ part, off int }
	var ps []pos
	for pi, p := range g {
		if p.Wild != 0 {
			continue
		}
		t := p.Text
		for off := 0; off < len(t); off++ {
			if t[off] != '-' && t[off] != '/' {
				continue
			}
			prevWord := false
			if off > 0 {
				r, _ := utf8.DecodeLastRuneInString(t[:off])
				prevWord = isWordRune(r)
			}
			nextWord := false
			if off+1 < len(t) {
				r, _ := utf8.DecodeRuneInString(t[off+1:])
				nextWord = isWordRune(r)
			}
			if !prevWord && nextWord {
				ps = append(ps, pos{pi, off})
			}
		}
	}
	if len(ps) == 0 {
		return []Glob{g}, nil
	}
	n := 1
	for range ps {
		n *= len(windashChars)
		if n > maxExpansion {
			return nil, fmt.Errorf("too many flag characters to expand")
		}
	}
	out := make([]Glob, 0, n)
	choice := make([]int, len(ps))
	for k := 0; k < n; k++ {
		c := k
		for i := range choice {
			choice[i] = c % len(windashChars)
			c /= len(windashChars)
		}
		ng := make(Glob, len(g))
		copy(ng, g)
		// Rewrite each part from its last position to its first so that
		// offsets stay valid.
		for i := len(ps) - 1; i >= 0; i-- {
			p := ps[i]
			t := ng[p.part].Text
			ng[p.part].Text = t[:p.off] + windashChars[choice[i]] + t[p.off+1:]
		}
		out = append(out, ng)
	}
	return out, nil
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// splitPath splits a dotted field path; "" gives nil.
func splitPath(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}
