package serve

import (
	"context"
	"time"

	"github.com/streamalert/streamalert/historical"
	"github.com/streamalert/streamalert/intel"
	"github.com/streamalert/streamalert/internal/config"
)

// DefaultIntelRefresh is how often a serving App rereads iocs/ and the
// lookup tables when AppOptions.IntelRefresh is not set.
const DefaultIntelRefresh = 5 * time.Minute

// loadIntel reads the config's threat intel (intel.yaml, iocs/, cached
// feeds, lookup tables). What loads is used; each problem is logged, as a
// broken file keeps the rest of the intel working (`config check` reports
// the same problems as errors). A snapshot of what loaded goes to the
// lake, so that SQL over the lake sees the same sets the rules do.
func (a *App) loadIntel() {
	st, ps := a.Config.LoadIntel(a.DataDir, time.Now())
	for _, p := range ps {
		a.Log.Warn("threat intel problem", "problem", p.String())
	}
	a.Intel = st
	a.Log.Info("threat intel loaded", "intel", st.String())
	a.writeIntel()
}

// writeIntel writes a snapshot of the IOC sets and lookup tables to the
// lake (committed with the next lake commit). Nothing is written when
// there is no intel at all.
func (a *App) writeIntel() {
	st := a.Intel
	if len(st.Store.Sets()) == 0 && len(st.Lookups.Names()) == 0 {
		return
	}
	if err := historical.WriteIntel(a.Lake, st.Store, st.Lookups, time.Now()); err != nil {
		a.Log.Warn("threat intel snapshot not written to the lake", "err", err)
	}
}

// startIntel runs, until ctx ends, the feed fetcher (each configured feed
// at once, then every feed's interval) and the reread of iocs/ and the
// lookup tables every IntelRefresh. Both goroutines are owned by a.loops,
// which close waits for.
func (a *App) startIntel(ctx context.Context) {
	st := a.Intel
	every := a.intelEvery
	if every <= 0 {
		every = DefaultIntelRefresh
	}
	a.loops.Go(func() {
		st.RefreshFiles(ctx, a.Config, every, func(ps config.Problems) {
			for _, p := range ps {
				a.Log.Warn("threat intel problem", "problem", p.String())
			}
		})
	})
	if st.Fetcher == nil || len(st.Feeds) == 0 {
		return
	}
	a.loops.Go(func() {
		st.Fetcher.Run(ctx, st.Feeds, func(r intel.FeedResult) {
			switch r.Status {
			case intel.FeedUpdated:
				a.Log.Info("threat intel feed updated", "feed", r.Feed, "iocs", r.Set.Total())
				a.writeIntel()
			case intel.FeedFailed:
				a.Log.Warn("threat intel feed failed", "feed", r.Feed, "err", r.Err)
			}
		})
	})
}
