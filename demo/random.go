package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// gen is a seeded source of the random choices of one log type.
type gen struct {
	r   *rand.Rand
	day time.Time
}

func newGen(seed uint64, day time.Time) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, 0xda7a_5eed)), day: day}
}

func (g *gen) intn(n int) int         { return g.r.IntN(n) }
func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }
func (g *gen) chance(p float64) bool  { return g.r.Float64() < p }

// pick returns a random element.
func pick[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// choice is a value with a weight.
type choice[T any] struct {
	w float64
	v T
}

// weighted picks a value with probability proportional to its weight.
func weighted[T any](g *gen, cs []choice[T]) T {
	total := 0.0
	for _, c := range cs {
		total += c.w
	}
	x := g.r.Float64() * total
	for _, c := range cs {
		if x < c.w {
			return c.v
		}
		x -= c.w
	}
	return cs[len(cs)-1].v
}

// Daily activity curves, one weight per UTC hour. The company works
// roughly 08:00–18:00; customers browse from morning to late evening;
// machines never sleep.
var (
	officeHours = [24]float64{0.3, 0.2, 0.2, 0.2, 0.3, 0.5, 1, 3, 8, 10, 10, 9, 7, 9, 10, 10, 9, 7, 4, 2, 1.5, 1, 0.6, 0.4}
	webHours    = [24]float64{3, 2, 1.5, 1.2, 1, 1.2, 2, 3.5, 5, 6, 6.5, 7, 7.5, 7, 7, 7, 7.5, 8, 8.5, 8.5, 8, 7, 5.5, 4}
	allDay      = [24]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
)

// at returns a time of the day drawn from a curve, to the microsecond.
func (g *gen) at(curve *[24]float64) time.Time {
	total := 0.0
	for _, w := range curve {
		total += w
	}
	x := g.r.Float64() * total
	h := 0
	for ; h < 23; h++ {
		if x < curve[h] {
			break
		}
		x -= curve[h]
	}
	return g.day.Add(time.Duration(h)*time.Hour + time.Duration(g.r.Int64N(int64(time.Hour/time.Microsecond)))*time.Microsecond)
}

// clamp keeps t inside the day.
func (g *gen) clamp(t time.Time) time.Time {
	end := g.day.Add(24*time.Hour - time.Microsecond)
	if t.After(end) {
		return end
	}
	return t
}

const hexDigits = "0123456789abcdef"

// hex returns n random hex digits.
func (g *gen) hex(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(hexDigits[g.r.IntN(16)])
	}
	return b.String()
}

// alnum returns n random upper-case letters and digits (AWS key ids).
func (g *gen) alnum(n int) string {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b strings.Builder
	for range n {
		b.WriteByte(set[g.r.IntN(len(set))])
	}
	return b.String()
}

// uuid returns a random version 4 UUID.
func (g *gen) uuid() string {
	h := g.hex(32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + string("89ab"[g.r.IntN(4)]) + h[17:20] + "-" + h[20:]
}

// publicIP returns a random routable IPv4 address outside private,
// shared, reserved and documentation ranges, so that no benign address is
// ever one of the known-bad ones (which are documentation addresses).
func (g *gen) publicIP() string {
	for {
		a, b := g.between(1, 223), g.intn(256)
		switch {
		case a == 10 || a == 127 || a == 0:
			continue
		case a == 100 && b >= 64 && b < 128:
			continue
		case a == 169 && b == 254, a == 172 && b >= 16 && b < 32, a == 192 && b == 168:
			continue
		case a == 192 && b == 0, a == 198 && (b == 18 || b == 19 || b == 51), a == 203 && b == 0:
			continue
		}
		return fmt.Sprintf("%d.%d.%d.%d", a, b, g.intn(256), g.between(1, 254))
	}
}

// ephemeralPort returns a client port as Linux picks them.
func (g *gen) ephemeralPort() int { return g.between(32768, 60999) }
