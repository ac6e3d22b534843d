package alerts

import "strings"

// KeyText is the alert's merge key for people: each merge key with its
// value as canonical JSON, "name=value" joined by ", " (the stored Key
// separates values with the unit separator 0x1f, which a terminal would
// print raw). A missing key shows as name=- as it does in Key.
func (a *Alert) KeyText() string {
	if a.Key == "" {
		return ""
	}
	vals := strings.Split(a.Key, keySep)
	if len(vals) != len(a.MergeKeys) {
		// Not written by keyValues (an alert from an older store): show
		// the values alone.
		return strings.Join(vals, ", ")
	}
	var b strings.Builder
	for i, k := range a.MergeKeys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(vals[i])
	}
	return b.String()
}

// keySep separates the values in Key.
const keySep = "\x1f"
