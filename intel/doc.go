// Package intel holds threat intelligence: IOC sets (indicators of
// compromise) read from CSV files, plain lists, STIX 2.1 bundles and MISP
// event exports, the feeds that download them, and lookup tables (named
// key→value tables read from CSV or JSON).
//
// A Set is immutable and compact: IP addresses and networks are sorted
// ranges searched in logarithmic time, and every other type is an
// open-addressing hash table over one byte arena, so that millions of IOCs
// take tens of bytes each. A Store holds the active sets and the
// allow-list; replacing a set is one atomic swap, so matching never waits
// for a load.
//
// Values are normalized before they are stored and before they are looked
// up (Normalize): lower case where case carries no meaning, trailing dots
// removed, defanged forms such as hxxp:// and 1.2.3[.]4 restored. A domain
// IOC also matches every subdomain of it; an IP IOC may be a network.
//
// The SQL form of the same sets (the lake table iocs) is written from a
// Store by Rows, and the DuckDB functions that normalize record values in
// SQL call the same Keys function the matcher calls.
package intel
