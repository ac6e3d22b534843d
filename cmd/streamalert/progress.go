package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress draws a one-line progress bar on a terminal, and nothing
// elsewhere (logs and CI output stay clean).
type progress struct {
	w     io.Writer
	total int64
	tty   bool
	last  time.Time
	start time.Time
}

func newProgress(w io.Writer, total int64) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, total: total, tty: ok && term.IsTerminal(int(f.Fd())), start: time.Now()}
}

func (p *progress) set(done int64) {
	if !p.tty || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw(done)
}

func (p *progress) draw(done int64) {
	frac := 1.0
	if p.total > 0 {
		frac = min(float64(done)/float64(p.total), 1)
	}
	const width = 30
	n := int(frac * width)
	rate := float64(done) / max(time.Since(p.start).Seconds(), 0.001) / (1 << 20)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %.1f MiB/s ", strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, rate)
}

func (p *progress) finish() {
	if p.tty {
		p.draw(p.total)
		fmt.Fprintln(p.w)
	}
}
