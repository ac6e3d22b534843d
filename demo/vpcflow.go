package demo

import (
	"fmt"
	"time"
)

// flow is one VPC flow log record (default version 2 format).
type flow struct {
	eni            string
	src, dst       string
	sport, dport   int
	proto          int
	packets, bytes int64
	start          time.Time
	accept         bool
}

func (f flow) line() []byte {
	action := "REJECT"
	if f.accept {
		action = "ACCEPT"
	}
	end := f.start.Unix() + 60 - int64(f.start.Second()%10)
	return fmt.Appendf(nil, "2 %s %s %s %s %d %d %d %d %d %d %d %s OK",
		AccountID, f.eni, f.src, f.dst, f.sport, f.dport, f.proto, f.packets, f.bytes, f.start.Unix(), end, action)
}

// reply is the record of the answering direction of an accepted flow.
func (f flow) reply(g *gen, bytes int64) flow {
	return flow{eni: f.eni, src: f.dst, dst: f.src, sport: f.dport, dport: f.sport, proto: f.proto,
		packets: max(bytes/1200, 1) + int64(g.intn(3)), bytes: bytes, start: f.start, accept: true}
}

func genVPCFlow(g *gen, c *company, n int, col *collector) {
	target := col.len() + n
	emit := func(fs ...flow) {
		for _, f := range fs {
			if col.len() < target {
				col.add(f.start, f.line())
			}
		}
	}
	web := []*host{c.byHost["web01"], c.byHost["web02"]}
	apps := []*host{c.byHost["app01"], c.byHost["app02"]}
	db := c.byHost["db01"]
	// The nightly database backup to S3: large, external, and fine.
	if n >= 500 {
		at := g.day.Add(time.Hour + 5*time.Minute)
		for i := range 6 {
			f := flow{eni: db.eni, src: db.ip, dst: fmt.Sprintf("3.5.%d.%d", g.between(0, 15), g.between(1, 254)), sport: g.ephemeralPort(), dport: 443, proto: 6,
				bytes: int64(g.between(60, 240)) << 20, start: at.Add(time.Duration(i) * time.Minute), accept: true}
			f.packets = f.bytes / 8950
			emit(f, f.reply(g, int64(g.between(200, 900))<<10))
		}
	}
	for col.len() < target {
		switch weighted(g, vpcMix) {
		case "client":
			t := g.at(&webHours).Truncate(time.Second)
			i := g.intn(2)
			f := flow{eni: albENIs[i], src: g.publicIP(), dst: albIPs[i], sport: g.between(1024, 65535), dport: 443, proto: 6,
				packets: int64(g.between(6, 40)), bytes: int64(g.between(900, 9000)), start: t, accept: true}
			emit(f, f.reply(g, int64(g.between(2000, 180000))))
		case "alb":
			t := g.at(&webHours).Truncate(time.Second)
			h := pick(g, web)
			f := flow{eni: h.eni, src: pick(g, albIPs), dst: h.ip, sport: g.ephemeralPort(), dport: 8080, proto: 6,
				packets: int64(g.between(4, 30)), bytes: int64(g.between(600, 8000)), start: t, accept: true}
			emit(f, f.reply(g, int64(g.between(1500, 160000))))
		case "app":
			t := g.at(&webHours).Truncate(time.Second)
			h, a := pick(g, web), pick(g, apps)
			f := flow{eni: a.eni, src: h.ip, dst: a.ip, sport: g.ephemeralPort(), dport: 8000, proto: 6,
				packets: int64(g.between(4, 20)), bytes: int64(g.between(400, 6000)), start: t, accept: true}
			emit(f, f.reply(g, int64(g.between(800, 90000))))
		case "db":
			t := g.at(&webHours).Truncate(time.Second)
			a := pick(g, apps)
			f := flow{eni: db.eni, src: a.ip, dst: db.ip, sport: g.ephemeralPort(), dport: 5432, proto: 6,
				packets: int64(g.between(10, 200)), bytes: int64(g.between(2000, 60000)), start: t, accept: true}
			emit(f, f.reply(g, int64(g.between(4000, 400000))))
		case "aws":
			t := g.at(&allDay).Truncate(time.Second)
			h := pick(g, c.hosts)
			emit(flow{eni: h.eni, src: h.ip, dst: awsServiceIP(g), sport: g.ephemeralPort(), dport: 443, proto: 6,
				packets: int64(g.between(8, 60)), bytes: int64(g.between(1500, 90000)), start: t, accept: true})
		case "dns":
			t := g.at(&allDay).Truncate(time.Second)
			h := pick(g, c.hosts)
			emit(flow{eni: h.eni, src: h.ip, dst: resolverIP, sport: g.ephemeralPort(), dport: 53, proto: 17,
				packets: int64(g.between(1, 12)), bytes: int64(g.between(70, 1200)), start: t, accept: true})
		case "scan":
			// The internet knocking: probes of common ports, dropped by the
			// security groups.
			t := g.at(&allDay).Truncate(time.Second)
			h := pick(g, web)
			emit(flow{eni: h.eni, src: g.publicIP(), dst: h.ip, sport: g.between(1024, 65535),
				dport: pick(g, []int{23, 445, 3389, 8080, 5900, 6379, 9200, 1433, 2375, 81, 8443, 5555, 27017}), proto: 6,
				packets: int64(g.between(1, 3)), bytes: int64(40 * g.between(1, 3)), start: t})
		case "ssh-internet":
			// sshd on web01 answers the internet (the misconfiguration the
			// attacker uses); the background noise of that.
			t := g.at(&allDay).Truncate(time.Second)
			h := c.byHost["web01"]
			f := flow{eni: h.eni, src: g.publicIP(), dst: h.ip, sport: g.between(1024, 65535), dport: 22, proto: 6,
				packets: int64(g.between(8, 20)), bytes: int64(g.between(1800, 4200)), start: t, accept: true}
			emit(f, f.reply(g, int64(g.between(2000, 5000))))
		case "bastion":
			t := g.at(&officeHours).Truncate(time.Second)
			b := c.byHost["bastion01"]
			p := pick(g, append(append([]*person{}, c.ops...), c.devs...))
			f := flow{eni: b.eni, src: c.ipOf(g, p, t.Hour()), dst: b.ip, sport: g.between(1024, 65535), dport: 22, proto: 6,
				packets: int64(g.between(20, 600)), bytes: int64(g.between(4000, 180000)), start: t, accept: true}
			emit(f, f.reply(g, int64(g.between(8000, 900000))))
		case "icmp":
			t := g.at(&allDay).Truncate(time.Second)
			h := pick(g, c.hosts)
			emit(flow{eni: h.eni, src: g.publicIP(), dst: h.ip, sport: 0, dport: 0, proto: 1,
				packets: 1, bytes: 84, start: t})
		}
	}
}

var vpcMix = []choice[string]{
	{22, "client"}, {12, "alb"}, {8, "app"}, {6, "db"}, {14, "aws"}, {10, "dns"},
	{14, "scan"}, {1.5, "ssh-internet"}, {2, "bastion"}, {1, "icmp"},
}
