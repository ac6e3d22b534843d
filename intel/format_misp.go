package intel

import (
	"encoding/json"
	"fmt"
	"time"
)

// mispTypes maps the MISP attribute types this package reads to IOC types.
var mispTypes = map[string]Type{
	"ip-src": IP, "ip-dst": IP,
	"domain": Domain, "hostname": Domain,
	"url": URL,
	"md5": MD5, "sha1": SHA1, "sha256": SHA256,
	"email-src": Email,
}

type mispEvent struct {
	ID        json.RawMessage `json:"id"`
	Info      string          `json:"info"`
	Orgc      *mispOrg        `json:"Orgc"`
	Org       *mispOrg        `json:"Org"`
	Attribute []mispAttribute `json:"Attribute"`
	Object    []struct {
		Attribute []mispAttribute `json:"Attribute"`
	} `json:"Object"`
}

type mispOrg struct {
	Name string `json:"name"`
}

type mispAttribute struct {
	Type    string          `json:"type"`
	Value   string          `json:"value"`
	ToIDs   *bool           `json:"to_ids"`
	Deleted bool            `json:"deleted"`
	UUID    string          `json:"uuid"`
	ID      json.RawMessage `json:"id"`
}

// parseMISP reads MISP event exports: {"Event": …}, a list of them, or
// {"response": [ … ]}. Attributes of the types in mispTypes become IOCs
// (those inside objects too); attributes of other types, deleted ones and
// ones with to_ids false are skipped and counted. The source is the
// creating organisation.
func parseMISP(b *Builder, origin string, data []byte) error {
	var wrapped []struct {
		Event *mispEvent `json:"Event"`
	}
	var one struct {
		Event    *mispEvent `json:"Event"`
		Response []struct {
			Event *mispEvent `json:"Event"`
		} `json:"response"`
	}
	var events []*mispEvent
	if err := json.Unmarshal(data, &wrapped); err == nil {
		for _, w := range wrapped {
			events = append(events, w.Event)
		}
	} else if err := json.Unmarshal(data, &one); err == nil {
		if one.Event != nil {
			events = append(events, one.Event)
		}
		for _, r := range one.Response {
			events = append(events, r.Event)
		}
	} else {
		return fmt.Errorf("%s: MISP export: %w", origin, err)
	}
	if len(events) == 0 {
		return fmt.Errorf("%s: MISP export: no Event", origin)
	}
	for ei, e := range events {
		if e == nil {
			return fmt.Errorf("%s: MISP export: element %d has no Event", origin, ei)
		}
		src := e.Info
		if e.Orgc != nil && e.Orgc.Name != "" {
			src = e.Orgc.Name
		} else if e.Org != nil && e.Org.Name != "" {
			src = e.Org.Name
		}
		attrs := e.Attribute
		for _, o := range e.Object {
			attrs = append(attrs, o.Attribute...)
		}
		for ai, a := range attrs {
			t, ok := mispTypes[a.Type]
			switch {
			case !ok:
				b.Skip("MISP attribute type "+a.Type, 1)
				continue
			case a.Deleted:
				b.Skip("deleted MISP attribute", 1)
				continue
			case a.ToIDs != nil && !*a.ToIDs:
				b.Skip("MISP attribute with to_ids false", 1)
				continue
			}
			if err := b.Add(t, a.Value, src, time.Time{}); err != nil {
				return fmt.Errorf("%s: event %d (%s) attribute %d (%s %s): %w", origin, ei, e.Info, ai, a.Type, a.UUID, err)
			}
		}
	}
	return nil
}
