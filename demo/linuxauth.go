package demo

import (
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"time"
)

// authLine is a line of /var/log/auth.log as rsyslog writes it on current
// Debian and Ubuntu: an RFC 3339 timestamp with microseconds.
func authLine(t time.Time, host, program string, pid int, msg string) []byte {
	return fmt.Appendf(nil, "%s+00:00 %s %s[%d]: %s", t.UTC().Format("2006-01-02T15:04:05.000000"), host, program, pid, msg)
}

// keyFingerprint is a stable SHA256 key fingerprint for a user's key.
func keyFingerprint(user string) string {
	h := fnv.New128a()
	h.Write([]byte("demo-key:" + user))
	sum := h.Sum(nil)
	sum = append(sum, sum...)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:32])
}

// uidOf numbers the employees' accounts from 1001.
func (c *company) uidOf(user string) int {
	for i, p := range c.people {
		if p.user == user {
			return 1001 + i
		}
	}
	return 1100 // deploy
}

// authLog writes the auth log of a day; pids and session numbers grow as
// they do on a real host.
type authLog struct {
	g      *gen
	c      *company
	col    *collector
	target int
	pid    int
	sid    int
}

func (a *authLog) emit(t time.Time, host, program string, pid int, msg string) {
	if a.col.len() < a.target {
		t = a.g.clamp(t)
		a.col.add(t, authLine(t, host, program, pid, msg))
	}
}

func (a *authLog) nextPID() int {
	a.pid += a.g.between(3, 400)
	return a.pid
}

// session is an interactive SSH login to host, with what follows: the PAM
// and logind lines, maybe some sudo, and the logout.
func (a *authLog) session(t time.Time, host, user, from string, length time.Duration, sudo []string) {
	g, uid := a.g, a.c.uidOf(user)
	pid, port := a.nextPID(), g.ephemeralPort()
	a.sid += g.between(1, 5)
	sid := a.sid
	ms := time.Millisecond
	a.emit(t, host, "sshd", pid, fmt.Sprintf("Accepted publickey for %s from %s port %d ssh2: ED25519 %s", user, from, port, keyFingerprint(user)))
	a.emit(t.Add(9*ms), host, "sshd", pid, fmt.Sprintf("pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)", user, uid))
	a.emit(t.Add(31*ms), host, "systemd-logind", 612, fmt.Sprintf("New session %d of user %s.", sid, user))
	at := t
	for _, cmd := range sudo {
		at = at.Add(time.Duration(g.between(20, 600)) * time.Second)
		spid := a.nextPID()
		a.emit(at, host, "sudo", spid, fmt.Sprintf("%8s : TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=%s", user, g.intn(4), user, cmd))
		a.emit(at.Add(2*ms), host, "sudo", spid, fmt.Sprintf("pam_unix(sudo:session): session opened for user root(uid=0) by %s(uid=%d)", user, uid))
		a.emit(at.Add(time.Duration(g.between(40, 9000))*ms), host, "sudo", spid, "pam_unix(sudo:session): session closed for user root")
	}
	end := t.Add(length)
	if end.Before(at) {
		end = at.Add(time.Minute)
	}
	a.emit(end, host, "sshd", pid, fmt.Sprintf("Received disconnect from %s port %d:11: disconnected by user", from, port))
	a.emit(end.Add(ms), host, "sshd", pid, fmt.Sprintf("Disconnected from user %s %s port %d", user, from, port))
	a.emit(end.Add(3*ms), host, "sshd", pid, fmt.Sprintf("pam_unix(sshd:session): session closed for user %s", user))
	a.emit(end.Add(5*ms), host, "systemd-logind", 612, fmt.Sprintf("Session %d logged out. Waiting for processes to exit.", sid))
	a.emit(end.Add(17*ms), host, "systemd-logind", 612, fmt.Sprintf("Removed session %d.", sid))
}

var opsCommands = []string{
	"/usr/bin/systemctl restart nginx", "/usr/bin/systemctl status orders-api", "/usr/bin/journalctl -u orders-api --since today",
	"/usr/bin/apt-get update", "/usr/bin/tail -n 200 /var/log/nginx/error.log", "/usr/bin/docker ps",
	"/usr/bin/du -sh /var/lib/postgresql", "/usr/bin/ss -tlnp", "/usr/bin/systemctl reload nginx", "/usr/bin/df -h",
}

var probedUsers = []string{"admin", "test", "ubuntu", "oracle", "postgres", "user", "git", "ftpuser", "pi", "guest", "support", "debian", "hadoop", "minecraft"}

func genLinuxAuth(g *gen, c *company, n int, col *collector) {
	a := &authLog{g: g, c: c, col: col, target: col.len() + n, pid: 20000, sid: 3000}
	bastion := c.byHost["bastion01"]
	staff := append(append([]*person{}, c.ops...), c.devs...)
	if n >= 200 {
		// alice takes a root shell on db01 to look at a full disk: a
		// sudo_root_shell alert that someone has to look at and close.
		t := g.day.Add(14*time.Hour + 22*time.Minute + 41*time.Second)
		a.session(t, "db01", "alice", bastion.ip, 25*time.Minute, []string{"/bin/bash"})
	}
	for col.len() < a.target {
		switch weighted(g, authMix) {
		case "staff":
			// Through the bastion to a server, perhaps with some sudo.
			p := pick(g, staff)
			t := g.at(&officeHours)
			length := time.Duration(g.between(2, 90)) * time.Minute
			a.session(t, bastion.name, p.user, c.ipOf(g, p, t.Hour()), length+2*time.Minute, nil)
			var sudo []string
			if p.dept == "operations" {
				for range g.intn(3) {
					sudo = append(sudo, pick(g, opsCommands))
				}
			}
			h := pick(g, c.hosts)
			if h.web {
				h = c.byHost["app01"]
			}
			a.session(t.Add(time.Duration(g.between(5, 60))*time.Second), h.name, p.user, bastion.ip, length, sudo)
		case "deploy":
			// CI deploys to the web servers over SSH with a key.
			t := g.at(&officeHours)
			for _, h := range []string{"web01", "web02"} {
				a.session(t, h, "deploy", c.byHost["ci01"].ip, time.Duration(g.between(20, 90))*time.Second, nil)
				t = t.Add(time.Duration(g.between(30, 120)) * time.Second)
			}
		case "probe":
			// Internet noise on web01's open sshd: one or two tries per
			// address, never enough to look like guessing.
			t := g.at(&allDay)
			ip, pid, port := g.publicIP(), a.nextPID(), g.between(1024, 65535)
			user := pick(g, probedUsers)
			if g.chance(0.3) {
				a.emit(t, "web01", "sshd", pid, fmt.Sprintf("Connection closed by %s port %d [preauth]", ip, port))
				continue
			}
			a.emit(t, "web01", "sshd", pid, fmt.Sprintf("Invalid user %s from %s port %d", user, ip, port))
			if g.chance(0.5) {
				a.emit(t.Add(time.Duration(g.between(1500, 2900))*time.Millisecond), "web01", "sshd", pid, fmt.Sprintf("Failed password for invalid user %s from %s port %d ssh2", user, ip, port))
			}
			a.emit(t.Add(3*time.Second), "web01", "sshd", pid, fmt.Sprintf("Connection closed by invalid user %s %s port %d [preauth]", user, ip, port))
		}
	}
}

var authMix = []choice[string]{{6, "staff"}, {2, "deploy"}, {3, "probe"}}
