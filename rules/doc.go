// Package rules is the rule language of streamalert: loading native rules
// and unmodified Sigma rules, validating them with precise errors, the
// normalized detection tree that the SQL compiler also consumes, the
// compiled streaming Matcher, and rule tests.
//
// # Rule files
//
// A native rule is a YAML document with a name (snake_case, unique), the
// log types it applies to (logs: full names or source prefixes such as
// cloudtrail; or a Sigma logsource; or datatypes: normalized types, which
// select every log type yielding all of them), a Sigma detection section,
// and alerting metadata (outputs, merge_by_keys and merge_window,
// dedup_period, threshold, staged, staged_until, context, tags,
// references, runbook, enabled) and inline tests. Unknown keys are errors.
//
// A Sigma rule is loaded unmodified: files under a directory named sigma,
// or documents without a name key. Its name is its file name in
// snake_case (the second and later rule documents of a file get _2, _3,
// …); its logsource is mapped to log types through a table
// (DefaultLogSources, data in logsources.yaml) that may also rename
// fields; status, level, tags,
// falsepositives, id, author, date and modified are kept. Multi-document
// files may use action: global, reset and repeat. Aggregations in
// conditions, the expand modifier and time-part modifiers are rejected at
// load time, never run as partial rules.
//
// # Correlation rules
//
// A document with a correlation key is a Sigma correlation rule
// (event_count, value_count, value_sum, value_avg, temporal,
// temporal_ordered): a Rule whose Correlation names base rules by name,
// Sigma name or id. NewSet links them; base rules only feed correlations
// and are left out of Set.Rules unless a correlation naming them says
// generate: true. Set.Correlations lists the correlation rules; the
// Correlation documentation defines their windows, which the streaming
// engine (package correlation) and the SQL (package queries) share.
//
// # Semantics
//
// Detection semantics follow the Sigma specification: a selection map is
// an AND of its items, a list of maps and a list of values are ORs, |all
// makes a value list an AND; * and ? are wildcards and a backslash escapes
// only *, ? and \; strings match case-insensitively unless |cased;
// regular expressions are unanchored RE2 searches, case-sensitive unless
// re|i (flags i, m and s become an inline prefix); null matches a missing
// or null field; keyword selections search each value of the record on
// its own (startswith, endswith, wildcards and regexes too), every scalar
// including numbers, booleans, timestamps and the scalars inside JSON.
// Numbers, declared or in JSON, compare numerically with values that are
// numbers and as their canonical text otherwise (see Leaf); numeric
// comparisons on a timestamp field are refused at load. Conditions
// support and, or, not, parentheses, `1 of`, `any of`, `all of` over
// names, name patterns and `them` (names starting with _ are left out
// unless the pattern starts with _), and a list of conditions is an OR.
//
// Every rule is normalized into an Expr (And, Or, Not, *Leaf). The Leaf,
// Op and FieldRef documentation defines exactly what each leaf means for a
// record, including case, numbers, arrays, JSON fields and keyword
// values, so that the SQL compiler can reproduce it. Evaluation is
// two-valued: a leaf over a missing field is false and `not` of it is
// true.
//
// # Matching
//
// NewMatcher compiles a Set once; Matcher.Match evaluates the rules of a
// record's log type, using an index of equality tests so that the cost per
// record does not grow with the number of rules that cannot match it.
//
// # Tests
//
// A Tester runs every rule's inline tests and test-event files
// (LoadTestEventsDir) through the classifier and reports a TestResult per
// case.
package rules
