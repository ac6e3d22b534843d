package demo

import (
	"fmt"
	"strings"
)

// The demo company's fixed facts. The known-bad addresses are those of the
// example config's IOC feed (iocs/demo-bad-ips.txt) and the pack's demo rules.
const (
	AccountID  = "111122223333"
	Region     = "us-east-1"
	Domain     = "example.com"
	AttackerIP = "198.51.100.23" // the SSH attacker, later everywhere
	ExfilIP    = "203.0.113.66"  // the attacker's server that receives the data
	OfficeIP   = "203.0.113.10"  // the office's internet egress
	VPNIP      = "203.0.113.11"  // the VPN concentrator
	NATIP      = "54.86.142.17"  // the VPC's NAT gateway
)

// person is an employee.
type person struct {
	user    string // login name: alice
	name    string // display name: Alice Anders
	dept    string
	oktaID  string
	homeIP  string
	city    city
	browser string // the browser user agent they use
}

func (p *person) email() string { return p.user + "@" + Domain }

type city struct {
	name, state, country, postal string
	lat, lon                     float64
}

var cities = []city{
	{"Seattle", "Washington", "United States", "98101", 47.6062, -122.3321},
	{"Portland", "Oregon", "United States", "97201", 45.5152, -122.6784},
	{"Bellevue", "Washington", "United States", "98004", 47.6101, -122.2015},
	{"Tacoma", "Washington", "United States", "98402", 47.2529, -122.4443},
	{"Denver", "Colorado", "United States", "80202", 39.7392, -104.9903},
	{"Austin", "Texas", "United States", "78701", 30.2672, -97.7431},
}

// host is a server with osquery and an auth log.
type host struct {
	name string
	ip   string
	eni  string
	// web marks the internet-facing web servers (sshd answers the internet).
	web bool
}

// company is everyone and everything the benign logs talk about.
type company struct {
	people []*person
	// by role
	ops, devs, it, finance, sales []*person
	hosts                         []*host
	laptops                       []string
	byHost                        map[string]*host
}

var firstNames = []string{
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
	"karl", "laura", "mike", "nina", "oscar", "peggy", "quinn", "rupert", "sybil", "trent",
	"ursula", "victor", "wendy", "xavier", "yvonne", "zack", "amir", "bella", "chen", "diana",
	"eli", "fatima", "george", "hana", "igor", "jasmine", "kenji", "leila", "marco", "noor",
	"olga", "pavel", "rosa", "sanjay", "tomas", "uma", "vera", "walt", "ximena", "yusuf",
}

var lastNames = []string{
	"Anders", "Brooks", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
	"Kowalski", "Lopez", "Meyer", "Novak", "Okafor", "Patel", "Quint", "Reyes", "Schmidt", "Tanaka",
}

var browsers = []string{
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:123.0) Gecko/20100101 Firefox/123.0",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
}

// newCompany staffs the company. Who does what is fixed by position in
// firstNames (alice runs operations, grace is IT, …); addresses and
// browsers come from g.
func newCompany(g *gen) *company {
	c := &company{byHost: map[string]*host{}}
	for i, first := range firstNames {
		p := &person{
			user:    first,
			name:    strings.ToUpper(first[:1]) + first[1:] + " " + lastNames[i%len(lastNames)],
			oktaID:  "00u" + oktaSuffix(i),
			homeIP:  g.publicIP(),
			city:    pick(g, cities),
			browser: pick(g, browsers),
		}
		switch {
		case i < 3 || i == 10: // alice, bob, carol, karl
			p.dept = "operations"
			c.ops = append(c.ops, p)
		case i == 6 || i == 23: // grace, xavier
			p.dept = "it"
			c.it = append(c.it, p)
		case i < 26:
			p.dept = "engineering"
			c.devs = append(c.devs, p)
		case i < 32:
			p.dept = "finance"
			c.finance = append(c.finance, p)
		default:
			p.dept = "sales"
			c.sales = append(c.sales, p)
		}
		c.people = append(c.people, p)
		c.laptops = append(c.laptops, first+"-mbp")
	}
	for _, h := range []host{
		{"web01", "10.0.1.15", "eni-0a1b2c3d4e5f60718", true},
		{"web02", "10.0.1.16", "eni-0b2c3d4e5f6071829", true},
		{"bastion01", "10.0.1.10", "eni-01f2e3d4c5b6a7980", false},
		{"app01", "10.0.2.20", "eni-0c3d4e5f607182930", false},
		{"app02", "10.0.2.21", "eni-0d4e5f60718293a41", false},
		{"ci01", "10.0.2.40", "eni-0e5f60718293a4b52", false},
		{"db01", "10.0.3.30", "eni-0f60718293a4b5c63", false},
	} {
		c.hosts = append(c.hosts, &h)
		c.byHost[h.name] = &h
	}
	return c
}

// oktaSuffix makes the 17 characters after "00u" of an Okta user id.
func oktaSuffix(i int) string {
	const set = "abcdefghijkmnopqrstuvwxyz0123456789"
	b := make([]byte, 17)
	x := uint64(i)*0x9e3779b97f4a7c15 + 0x1234567
	for j := range b {
		x ^= x >> 29
		x *= 0xbf58476d1ce4e5b9
		b[j] = set[x%uint64(len(set))]
	}
	return string(b)
}

// person returns the employee with that login name.
func (c *company) person(user string) *person {
	for _, p := range c.people {
		if p.user == user {
			return p
		}
	}
	panic(fmt.Sprintf("demo: no employee %q", user))
}

// ipOf is where a person works from at a time of day: the office during
// the day, home (some over the VPN) otherwise.
func (c *company) ipOf(g *gen, p *person, hour int) string {
	if hour >= 8 && hour < 18 && !g.chance(0.25) {
		return OfficeIP
	}
	if g.chance(0.4) {
		return VPNIP
	}
	return p.homeIP
}

// Load balancer nodes in front of nginx, and the VPC resolver.
var (
	albIPs     = []string{"10.0.1.50", "10.0.1.51"}
	albENIs    = []string{"eni-0a50a50a50a50a501", "eni-0a51a51a51a51a512"}
	resolverIP = "10.0.0.2"
)

// awsServiceIP returns an address of an AWS regional endpoint.
func awsServiceIP(g *gen) string {
	return pick(g, []string{
		fmt.Sprintf("52.94.%d.%d", g.between(0, 31), g.between(1, 254)),
		fmt.Sprintf("54.239.%d.%d", g.between(0, 63), g.between(1, 254)),
		fmt.Sprintf("3.5.%d.%d", g.between(0, 15), g.between(1, 254)),
		fmt.Sprintf("52.216.%d.%d", g.between(0, 255), g.between(1, 254)),
	})
}
