package hunts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamalert/streamalert/internal/config"
)

// writeConfig writes an example config with files replaced or added.
func writeConfig(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "conf")
	if err := config.Init(dir); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestHistorical_Settings(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		config.HistoricalFile: `athena:
  workgroup: streamalert
  output_location: s3://results/athena/
  database: lake
  price_per_tb: 6.25
  timeout: 10m
scheduler:
  delay: 5m
  max_catch_up: 12
hunts:
  disabled: [dns_new_domain]
  schedules: {vpc_port_scan: "*/15 * * * *"}
  params: {vpc_port_scan: {min_ports: 100}}
`})
	cfg, ps := config.LoadDir(dir)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	hs, hist, ps := Resolve(cfg)
	if len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	a := hist.Athena
	if !a.Configured() || a.OutputLocation != "s3://results/athena/" || a.PricePerTB != 6.25 || a.Timeout != 10*time.Minute || a.Database != "lake" {
		t.Errorf("athena %+v", a)
	}
	if hist.Scheduler.Delay != 5*time.Minute || hist.Scheduler.MaxCatchUp != 12 {
		t.Errorf("scheduler %+v", hist.Scheduler)
	}
	names := map[string]bool{}
	for _, h := range hs {
		names[h.Name] = true
		if h.Name == "vpc_port_scan" && h.Schedule.String() != "*/15 * * * *" {
			t.Errorf("vpc_port_scan schedule %s", h.Schedule)
		}
	}
	if names["dns_new_domain"] || !names["vpc_port_scan"] || !names["ssh_password_guessing"] || len(hs) < 17 {
		t.Errorf("%d hunts: %v", len(hs), names)
	}
}

func TestHistorical_Problems(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"athena:\n  workgroup: bad name\n", "historical.yaml:2: athena.workgroup \"bad name\""},
		{"athena:\n  output_location: s3://x/\n", "historical.yaml:2: athena: a workgroup is required"},
		{"athena:\n  workgroup: wg\n  output_location: /tmp/x\n", "historical.yaml:3: athena.output_location \"/tmp/x\" must be an s3:// URL"},
		{"athena:\n  workgroup: wg\n  price_per_tb: -1\n", "historical.yaml:3: athena.price_per_tb -1"},
		{"athena:\n  workgroup: wg\n  timeout: soon\n", "historical.yaml:3: athena.timeout \"soon\""},
		{"athena:\n  workgroup: wg\n  color: blue\n", "historical.yaml:3"},
		{"scheduler:\n  delay: later\n", "historical.yaml:2: scheduler.delay \"later\""},
		{"hunts:\n  disabled: [nope]\n", "historical.yaml:2: hunts.disabled: no hunt nope"},
		{"hunts:\n  schedules:\n    vpc_port_scan: often\n", "historical.yaml:3: hunts.schedules.vpc_port_scan: schedule \"often\""},
		{"hunts:\n  params:\n    vpc_port_scan: {min_ports: many}\n", "historical.yaml:3: hunts.params.vpc_port_scan: hunt vpc_port_scan: param min_ports: \"many\" is not an integer"},
		{"hunts:\n  params:\n    vpc_port_scan: {nope: 1}\n", "no param \"nope\""},
		{"hunts:\n  pack: false\n  disabled: [vpc_port_scan]\n", "historical.yaml:3: hunts.disabled: no hunt vpc_port_scan"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{config.HistoricalFile: tc.yaml})
			cfg, ps := config.LoadDir(dir)
			if len(ps) > 0 {
				t.Fatal(ps)
			}
			_, _, ps = Resolve(cfg)
			if len(ps) == 0 || !strings.Contains(ps.Err().Error(), tc.want) {
				t.Errorf("problems %v, want %q", ps, tc.want)
			}
		})
	}
}
