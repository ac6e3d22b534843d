package historical

import (
	"context"
	"fmt"
	"time"

	"github.com/streamalert/streamalert/firehose"
	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/schema"
)

// WriteIntel writes a snapshot of the active IOC sets (table iocs) and of
// every lookup table (lookup_<name>) to a lake, stamped at, so that |ioc
// and |lookup rules and IOC sweeps run as SQL against the same data the
// streaming matcher holds. Earlier snapshots stay; queries read the latest.
// The caller flushes or closes the lake.
func WriteIntel(lake *firehose.Lake, iocs *intel.Store, lookups *intel.Lookups, at time.Time) error {
	if iocs != nil {
		err := iocs.WriteIOCRows(at, func(row []schema.Value) error { return lake.WriteRows(intel.IOCTable, row) })
		if err != nil {
			return fmt.Errorf("write table %s: %w", intel.IOCTableName, err)
		}
	}
	if lookups != nil {
		for _, name := range lookups.Names() {
			t := lookups.Table(name)
			lt := intel.LookupTable(name)
			if err := t.WriteRows(at, func(row []schema.Value) error { return lake.WriteRows(lt, row) }); err != nil {
				return fmt.Errorf("write table %s: %w", lt.Table(), err)
			}
		}
	}
	return nil
}

// WriteIntelDir writes the snapshot into a local lake directory and waits
// until the files are stored.
func WriteIntelDir(ctx context.Context, dir string, iocs *intel.Store, lookups *intel.Lookups, at time.Time) error {
	lake, err := firehose.NewLake(firehose.NewDir(dir), firehose.Options{BufferInterval: time.Hour})
	if err != nil {
		return err
	}
	if err := WriteIntel(lake, iocs, lookups, at); err != nil {
		lake.Close(ctx)
		return err
	}
	return lake.Close(ctx)
}
