package demo

import (
	"fmt"
	"time"
)

// nginxLine is an access log line in nginx's stock "main" format (the
// combined format plus X-Forwarded-For). nginx sits behind the load
// balancer, so remote_addr is a load balancer node and the client is in
// X-Forwarded-For.
func nginxLine(t time.Time, remote, method, uri string, status, size int, referer, ua, xff string) []byte {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	return fmt.Appendf(nil, `%s - - [%s] "%s %s HTTP/1.1" %d %d "%s" "%s" "%s"`,
		remote, t.UTC().Format("02/Jan/2006:15:04:05 +0000"), method, uri, status, size, dash(referer), dash(ua), dash(xff))
}

var products = []string{
	"trail-runner-2", "merino-beanie", "down-jacket-pro", "hiking-poles", "rain-shell", "camp-stove",
	"insulated-bottle", "headlamp-400", "wool-socks-3pack", "daypack-22l", "sleeping-bag-0c", "tent-2p",
}

var shopperUAs = []string{
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.105 Mobile Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
}

var botUAs = []string{
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
}

const shop = "https://shop." + Domain

func genNginx(g *gen, c *company, n int, col *collector) {
	target := col.len() + n
	emit := func(t time.Time, line []byte) {
		if col.len() < target {
			col.add(g.clamp(t), line)
		}
	}
	if n >= 300 {
		// An internet scanner looks for secrets and admin pages: the pack's
		// scanner and path-probe rules fire, all requests get 404.
		t := g.day.Add(13*time.Hour + 41*time.Minute + 12*time.Second)
		ip, alb := g.publicIP(), albIPs[1]
		emit(t, nginxLine(t, alb, "GET", "/", 200, 18342, "", "Mozilla/5.0 zgrab/0.x", ip))
		ua := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36"
		for i, path := range []string{"/.env", "/.git/config", "/wp-login.php", "/phpmyadmin/", "/.aws/credentials", "/actuator/env", "/server-status", "/config.json"} {
			at := t.Add(time.Duration(2+i*3)*time.Second + time.Duration(g.intn(900))*time.Millisecond)
			emit(at, nginxLine(at, alb, "GET", path, 404, 153, "", ua, ip))
		}
	}
	for col.len() < target {
		switch weighted(g, nginxMix) {
		case "health":
			t := g.at(&allDay).Truncate(time.Second)
			emit(t, nginxLine(t, pick(g, albIPs), "GET", "/healthz", 200, 2, "", "ELB-HealthChecker/2.0", ""))
		case "shopper":
			// A visit: a landing page, some products, assets, maybe a cart.
			t := g.at(&webHours).Truncate(time.Second)
			ip, ua, alb := g.publicIP(), pick(g, shopperUAs), pick(g, albIPs)
			ref := pick(g, []string{"https://www.google.com/", "", "https://duckduckgo.com/", "https://www.instagram.com/"})
			page := pick(g, []string{"/", "/products/" + pick(g, products), "/category/" + pick(g, []string{"footwear", "jackets", "camping", "accessories"})})
			emit(t, nginxLine(t, alb, "GET", page, 200, g.between(9000, 42000), ref, ua, ip))
			for _, a := range []string{"/static/js/app.3f9c1b7e.js", "/static/css/main.8d2e41a0.css"} {
				if g.chance(0.5) {
					t = t.Add(time.Duration(g.between(50, 400)) * time.Millisecond)
					status, size := 200, g.between(40000, 240000)
					if g.chance(0.5) {
						status, size = 304, 0
					}
					emit(t, nginxLine(t, alb, "GET", a, status, size, shop+page, ua, ip))
				}
			}
			for range g.between(0, 6) {
				t = t.Add(time.Duration(g.between(4, 90)) * time.Second)
				uri, method, status, size := "/products/"+pick(g, products), "GET", 200, g.between(9000, 38000)
				switch g.intn(8) {
				case 0:
					uri, method, status, size = "/api/v1/cart", "POST", 201, g.between(60, 400)
				case 1:
					uri, size = fmt.Sprintf("/api/v1/products?page=%d", g.between(1, 9)), g.between(2000, 12000)
				case 2:
					uri, size = "/search?q="+pick(g, []string{"jacket", "tent", "socks", "stove", "boots"}), g.between(8000, 30000)
				case 3:
					uri, status, size = "/products/"+pick(g, []string{"summer-sale-2023", "old-tent-1"}), 404, 3122
				case 4:
					uri, size = fmt.Sprintf("/images/products/%s-%d.jpg", pick(g, products), g.between(1, 4)), g.between(30000, 220000)
				}
				emit(t, nginxLine(t, alb, method, uri, status, size, shop+page, ua, ip))
				page = uri
			}
			if g.chance(0.08) {
				t = t.Add(time.Duration(g.between(20, 200)) * time.Second)
				emit(t, nginxLine(t, alb, "POST", "/api/v1/checkout", 200, g.between(300, 900), shop+"/cart", ua, ip))
			}
		case "app":
			t := g.at(&webHours).Truncate(time.Second)
			ip, alb := g.publicIP(), pick(g, albIPs)
			ua := fmt.Sprintf("ShopApp/5.2.%d (iPhone; iOS 17.3.1; Scale/3.00)", g.between(0, 3))
			if g.chance(0.45) {
				ua = "okhttp/4.12.0"
			}
			for range g.between(1, 4) {
				uri := pick(g, []string{"/api/v1/products?page=1", "/api/v1/me", "/api/v1/cart", "/api/v1/orders?limit=10", "/api/v1/recommendations"})
				status := 200
				if g.chance(0.03) {
					status = pick(g, []int{401, 429, 502})
				}
				emit(t, nginxLine(t, alb, "GET", uri, status, g.between(200, 9000), "", ua, ip))
				t = t.Add(time.Duration(g.between(200, 30000)) * time.Millisecond)
			}
		case "bot":
			t := g.at(&allDay).Truncate(time.Second)
			uri := pick(g, []string{"/robots.txt", "/sitemap.xml", "/products/" + pick(g, products), "/category/camping"})
			emit(t, nginxLine(t, pick(g, albIPs), "GET", uri, 200, g.between(400, 40000), "", pick(g, botUAs), g.publicIP()))
		case "uptime":
			t := g.at(&allDay).Truncate(time.Second)
			emit(t, nginxLine(t, pick(g, albIPs), "HEAD", "/", 200, 0, "", "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", g.publicIP()))
		}
	}
}

var nginxMix = []choice[string]{{18, "health"}, {11, "shopper"}, {12, "app"}, {5, "bot"}, {4, "uptime"}}
