package demo

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// osqRow is an osquery differential result, in the field order osqueryd
// logs it.
type osqRow struct {
	Name           string            `json:"name"`
	HostIdentifier string            `json:"hostIdentifier"`
	CalendarTime   string            `json:"calendarTime"`
	UnixTime       int64             `json:"unixTime"`
	Epoch          int               `json:"epoch"`
	Counter        int               `json:"counter"`
	Numerics       bool              `json:"numerics"`
	Decorations    map[string]string `json:"decorations"`
	Columns        map[string]string `json:"columns"`
	Action         string            `json:"action"`
}

// osqueryLog writes the results of the scheduled queries of a fleet.
type osqueryLog struct {
	g       *gen
	col     *collector
	target  int
	counter map[string]int
}

func newOsqueryLog(g *gen, col *collector, n int) *osqueryLog {
	return &osqueryLog{g: g, col: col, target: col.len() + n, counter: map[string]int{}}
}

func (o *osqueryLog) row(t time.Time, query, host string, cols map[string]string, action string) []byte {
	t = t.Truncate(time.Second)
	k := host + "\x00" + query
	o.counter[k]++
	id := hostUUID(host)
	fqdn := host + ".prod." + Domain
	if strings.HasSuffix(host, "-mbp") {
		fqdn = host + ".corp." + Domain
	}
	return jsonLine(osqRow{Name: query, HostIdentifier: host, CalendarTime: t.Format("Mon Jan _2 15:04:05 2006 UTC"),
		UnixTime: t.Unix(), Counter: o.counter[k], Decorations: map[string]string{"host_uuid": id, "hostname": fqdn},
		Columns: cols, Action: action})
}

func (o *osqueryLog) emit(t time.Time, query, host string, cols map[string]string, action string) {
	if o.col.len() < o.target {
		t = o.g.clamp(t.Truncate(time.Second))
		o.col.add(t, o.row(t, query, host, cols, action))
	}
}

// Query names as osquery packs name them.
const (
	qProcesses  = "pack_fleet_running_processes"
	qPorts      = "pack_incident-response_listening_ports"
	qPackages   = "pack_it-compliance_deb_packages"
	qARP        = "pack_incident-response_arp_cache"
	qLoggedIn   = "pack_incident-response_logged_in_users"
	qUSB        = "pack_it-compliance_usb_devices"
	qLast       = "pack_incident-response_last"
	qAuthKeys   = "pack_incident-response_authorized_keys"
	qCrontab    = "pack_incident-response_crontab"
	qListenMac  = "pack_fleet_laptop_processes"
	schedPeriod = 10 * time.Minute
)

var serverProcs = map[string][][2]string{
	"web":  {{"nginx", "nginx: worker process"}, {"node", "node /srv/storefront/server.js"}, {"logrotate", "/usr/sbin/logrotate /etc/logrotate.conf"}},
	"app":  {{"gunicorn", "/srv/orders/venv/bin/python3 /srv/orders/venv/bin/gunicorn orders.wsgi -w 4"}, {"python3", "/srv/orders/venv/bin/python3 manage.py process_queue"}, {"celery", "/srv/orders/venv/bin/celery -A orders worker"}},
	"db":   {{"postgres", "postgres: orders orders 10.0.2.20(51234) idle"}, {"postgres", "postgres: autovacuum worker"}, {"pg_dump", "pg_dump -Fc orders"}},
	"ci":   {{"buildkite-agent", "buildkite-agent start"}, {"docker", "docker build -t orders-api ."}, {"git", "git fetch origin"}},
	"host": {{"sshd", "sshd: ubuntu [priv]"}, {"apt.systemd.dai", "/bin/sh /usr/lib/apt/apt.systemd.daily update"}, {"unattended-upgr", "/usr/bin/python3 /usr/bin/unattended-upgrade"}},
}

var laptopApps = [][2]string{
	{"Google Chrome Helper", "/Applications/Google Chrome.app/Contents/Frameworks/Google Chrome Framework.framework/Helpers/Google Chrome Helper.app/Contents/MacOS/Google Chrome Helper"},
	{"Slack Helper", "/Applications/Slack.app/Contents/Frameworks/Slack Helper.app/Contents/MacOS/Slack Helper"},
	{"zoom.us", "/Applications/zoom.us.app/Contents/MacOS/zoom.us"},
	{"Code Helper", "/Applications/Visual Studio Code.app/Contents/Frameworks/Code Helper.app/Contents/MacOS/Code Helper"},
	{"Microsoft Excel", "/Applications/Microsoft Excel.app/Contents/MacOS/Microsoft Excel"},
}

var packages = [][3]string{
	{"openssl", "3.0.11-1~deb12u2", "3.0.13-1~deb12u1"},
	{"libc6", "2.36-9+deb12u3", "2.36-9+deb12u4"},
	{"tzdata", "2024a-0+deb12u1", "2024a-0+deb12u2"},
	{"curl", "7.88.1-10+deb12u4", "7.88.1-10+deb12u5"},
	{"linux-image-cloud-amd64", "6.1.69-1", "6.1.76-1"},
}

func serverKind(h *host) string {
	switch {
	case h.web:
		return "web"
	case strings.HasPrefix(h.name, "app"):
		return "app"
	case strings.HasPrefix(h.name, "db"):
		return "db"
	case strings.HasPrefix(h.name, "ci"):
		return "ci"
	}
	return "host"
}

func genOsquery(g *gen, c *company, n int, col *collector) {
	o := newOsqueryLog(g, col, n)
	// Results arrive on the query schedule.
	slot := func(curve *[24]float64) time.Time {
		return g.at(curve).Truncate(schedPeriod).Add(time.Duration(g.intn(20)) * time.Second)
	}
	if n >= 200 {
		// Unattended upgrades at 06:25 on every server.
		for _, h := range c.hosts {
			t := g.day.Add(6*time.Hour + 25*time.Minute + time.Duration(g.intn(300))*time.Second)
			for _, p := range packages[:g.between(2, len(packages))] {
				o.emit(t, qPackages, h.name, map[string]string{"name": p[0], "version": p[1], "source": p[0], "arch": "amd64"}, "removed")
				o.emit(t, qPackages, h.name, map[string]string{"name": p[0], "version": p[2], "source": p[0], "arch": "amd64"}, "added")
			}
		}
		// bob logs in to web02 to look at a bug: osquery's last table sees
		// it, and the pack's SSH login rule raises a low alert.
		t := g.day.Add(15*time.Hour + 3*time.Minute + 20*time.Second)
		o.emit(t.Add(6*time.Minute), qLast, "web02", map[string]string{"username": "bob", "tty": "pts/0", "pid": fmt.Sprint(g.between(20000, 30000)),
			"type": "7", "time": fmt.Sprint(t.Unix()), "host": c.byHost["bastion01"].ip}, "added")
	}
	for col.len() < o.target {
		switch weighted(g, osqMix) {
		case "process":
			h := pick(g, c.hosts)
			procs := append(append([][2]string{}, serverProcs[serverKind(h)]...), serverProcs["host"]...)
			p := pick(g, procs)
			t := slot(&allDay)
			cols := map[string]string{"pid": fmt.Sprint(g.between(1000, 65000)), "name": p[0], "path": "/usr/bin/" + p[0],
				"cmdline": p[1], "uid": fmt.Sprint(pick(g, []int{0, 33, 1100, 999})), "parent": fmt.Sprint(g.between(1, 999))}
			o.emit(t, qProcesses, h.name, cols, "added")
			if g.chance(0.8) {
				o.emit(t.Add(time.Duration(g.between(1, 12))*schedPeriod), qProcesses, h.name, cols, "removed")
			}
		case "laptop":
			l := pick(g, c.laptops)
			a := pick(g, laptopApps)
			t := slot(&officeHours)
			cols := map[string]string{"pid": fmt.Sprint(g.between(300, 99000)), "name": a[0], "path": a[1], "uid": "501"}
			o.emit(t, qListenMac, l, cols, "added")
			o.emit(t.Add(time.Duration(g.between(1, 30))*schedPeriod), qListenMac, l, cols, "removed")
		case "usb":
			l := pick(g, c.laptops)
			t := slot(&officeHours)
			cols := map[string]string{"vendor": pick(g, []string{"Apple Inc.", "Logitech", "SanDisk", "Yubico"}), "model": pick(g, []string{"USB-C Digital AV Multiport Adapter", "USB Receiver", "Ultra Fit", "YubiKey OTP+FIDO+CCID"}),
				"serial": g.hex(12), "removable": "1"}
			o.emit(t, qUSB, l, cols, "added")
			if g.chance(0.7) {
				o.emit(t.Add(time.Duration(g.between(1, 40))*schedPeriod), qUSB, l, cols, "removed")
			}
		case "arp":
			h := pick(g, c.hosts)
			t := slot(&allDay)
			cols := map[string]string{"address": fmt.Sprintf("10.0.%d.%d", g.between(1, 3), g.between(2, 250)), "interface": "ens5",
				"mac": fmt.Sprintf("0a:%s:%s:%s:%s:%s", g.hex(2), g.hex(2), g.hex(2), g.hex(2), g.hex(2)), "permanent": "0"}
			o.emit(t, qARP, h.name, cols, pick(g, []string{"added", "removed"}))
		case "logged_in":
			h := pick(g, c.hosts)
			if h.web {
				continue
			}
			p := pick(g, append(append([]*person{}, c.ops...), c.devs...))
			t := slot(&officeHours)
			cols := map[string]string{"type": "user", "user": p.user, "tty": fmt.Sprintf("pts/%d", g.intn(4)), "host": c.byHost["bastion01"].ip,
				"time": fmt.Sprint(t.Add(-time.Duration(g.intn(600)) * time.Second).Unix()), "pid": fmt.Sprint(g.between(20000, 40000))}
			o.emit(t, qLoggedIn, h.name, cols, "added")
			o.emit(t.Add(time.Duration(g.between(1, 9))*schedPeriod), qLoggedIn, h.name, cols, "removed")
		case "ports":
			h := pick(g, c.hosts)
			t := slot(&allDay)
			port := g.between(32768, 60999)
			cols := map[string]string{"pid": fmt.Sprint(g.between(1000, 65000)), "port": fmt.Sprint(port), "protocol": "6", "family": "2", "address": "127.0.0.1", "path": "/usr/bin/python3"}
			o.emit(t, qPorts, h.name, cols, "added")
			o.emit(t.Add(schedPeriod), qPorts, h.name, cols, "removed")
		}
	}
}

var osqMix = []choice[string]{{10, "process"}, {8, "laptop"}, {1, "usb"}, {2, "arp"}, {2, "logged_in"}, {1, "ports"}}

// hostUUID is the hardware UUID of a host, the same in every demo.
func hostUUID(host string) string {
	h := fnv.New128a()
	h.Write([]byte("demo-host:" + host))
	x := fmt.Sprintf("%X", h.Sum(nil))
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
