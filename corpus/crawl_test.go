package corpus

import (
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// site is a local web site with the traps a crawler meets.
type site struct {
	mu   sync.Mutex
	hits map[string]int // "host path" -> requests
	srv  *httptest.Server
}

func newSite(t *testing.T) *site {
	s := &site{hits: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[strings.Split(r.Host, ":")[0]+" "+r.URL.Path]++
		s.mu.Unlock()
		html := func(body string) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<html><head><title>%s</title></head><body>%s</body></html>", r.URL.Path, body)
		}
		off := strings.Replace(s.srv.URL, "127.0.0.1", "localhost", 1)
		switch {
		case r.URL.Path == "/robots.txt":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "User-agent: *\nDisallow: /private\n")
		case r.URL.Path == "/":
			html(`<nav><a href="/a">Food</a> <a href="/b">Houses</a></nav><main><h1>Kenya</h1><p>Reference pages.</p>
				<a href="/private/secret">secret</a> <a href="` + off + `/off">elsewhere</a> <a href="/calendar?m=0">calendar</a>
				<a href="/huge">huge</a> <a href="/chunked">chunked</a> <a href="/gzipped">gzipped</a> <a href="/doc.pdf">pdf</a> <a href="/loop1">loop</a></main>`)
		case r.URL.Path == "/a":
			html(`<nav>Main menu Home About</nav><main><h2>Food</h2><p>Ugali is a stiff maize porridge.</p><ul><li>Sukuma wiki is collard greens.</li></ul>
				<div class="toc">Contents 1 Food 2 Drink</div><h2>Drink</h2><p>Chai is spiced milk tea.</p></main><footer>Copyright notice</footer>`)
		case r.URL.Path == "/b":
			html(`<main><h2>Houses</h2><table><tr><td>tabular noise</td></tr></table><p>Swahili houses have carved wooden doors.</p></main>`)
		case r.URL.Path == "/calendar":
			var m int
			fmt.Sscan(r.URL.Query().Get("m"), &m)
			html(fmt.Sprintf(`<main><p>Month %d.</p><a href="/calendar?m=%d">next month</a></main>`, m, m+1))
		case r.URL.Path == "/huge":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Length", fmt.Sprint(5<<20))
			w.Write([]byte(strings.Repeat("<p>x</p>", (5<<20)/8)))
		case r.URL.Path == "/chunked":
			// 3 MB with no Content-Length: sent in chunks.
			w.Header().Set("Content-Type", "text/html")
			for i := 0; i < 3<<10; i++ {
				w.Write([]byte(strings.Repeat("<p>chunked page text</p>", 1024/24+1)[:1024]))
				if i%256 == 0 {
					w.(http.Flusher).Flush()
				}
			}
		case r.URL.Path == "/gzipped":
			// 8 MB of text that compresses to a few KB.
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			zw.Write([]byte("<html><body>"))
			for i := 0; i < 8<<10; i++ {
				zw.Write([]byte(strings.Repeat("<p>gzipped bomb text</p>", 1024/24+1)[:1024]))
			}
			zw.Close()
		case r.URL.Path == "/doc.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			w.Write([]byte("%PDF-1.4"))
		case r.URL.Path == "/loop1":
			http.Redirect(w, r, "/loop2", http.StatusFound)
		case r.URL.Path == "/loop2":
			http.Redirect(w, r, "/loop1", http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/private"), r.URL.Path == "/off":
			html(`<p>should never be fetched</p>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) count(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.hits {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

func TestCrawlerTraps(t *testing.T) {
	s := newSite(t)
	dir := t.TempDir()
	cfg := &Config{Output: filepath.Join(dir, "corpus.jsonl"), Seeds: []Seed{{URL: s.srv.URL + "/", Country: "Kenya", Category: "food"}},
		MaxDepth: 3, MaxPageKB: 1024, Delay: time.Millisecond, Parallelism: 4}
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	st, err := Build(context.Background(), cfg, &log)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("skips:\n%s", log.String())
	if n := s.count("127.0.0.1 /private"); n != 0 {
		t.Errorf("robots.txt ignored: /private fetched %d times", n)
	}
	if n := s.count("localhost "); n != 0 {
		t.Errorf("an off-domain page was fetched %d times", n)
	}
	if n := s.count("127.0.0.1 /calendar"); n > 3 {
		t.Errorf("calendar trap: %d pages fetched with max_depth 3", n)
	}
	f, _ := os.Open(cfg.Output)
	ps, err := Read(f, cfg.Output)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	all := ""
	for _, p := range ps {
		all += p.Section + ": " + p.Text + "\n"
		if p.Country != "Kenya" || p.Category != "food" || p.URL == "" || p.ContentHash == "" {
			t.Errorf("provenance missing: %+v", p)
		}
	}
	for _, want := range []string{"Food: Ugali is a stiff maize porridge.", "Sukuma wiki", "Drink: Chai is spiced milk tea.", "Swahili houses"} {
		if !strings.Contains(all, want) {
			t.Errorf("corpus lacks %q:\n%s", want, all)
		}
	}
	for _, bad := range []string{"Main menu", "Copyright", "Contents 1", "tabular noise", "should never", "chunked page text", "gzipped bomb text"} {
		if strings.Contains(all, bad) {
			t.Errorf("corpus holds boilerplate %q", bad)
		}
	}
	if st.Skipped < 3 { // huge page, PDF, redirect loop
		t.Errorf("skipped %d pages, want the huge page, the PDF and the redirect loop: %+v", st.Skipped, st)
	}
	// A second build fetches nothing and writes the same corpus, its
	// pages dated when they were fetched: a second later, too.
	before := s.count("")
	first, _ := os.ReadFile(cfg.Output)
	time.Sleep(1100 * time.Millisecond)
	st2, err := Build(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(cfg.Output)
	if st2.Requests != 0 || s.count("") != before {
		t.Errorf("second build made %d requests (server saw %d more)", st2.Requests, s.count("")-before)
	}
	if string(first) != string(second) {
		t.Error("the second build wrote a different corpus")
	}
}

// TestCrawl2000Pages builds a corpus of 2,000 local pages: memory stays
// bounded, nothing outside the allowed domain is fetched, and a second
// build makes no request.
func TestCrawl2000Pages(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls 2,000 pages")
	}
	var mu sync.Mutex
	foreign := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Host, "127.0.0.1") {
			mu.Lock()
			foreign++
			mu.Unlock()
		}
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		var n int
		fmt.Sscanf(r.URL.Path, "/p/%d", &n)
		w.Header().Set("Content-Type", "text/html")
		var b strings.Builder
		fmt.Fprintf(&b, "<html><title>Page %d</title><body><main><h2>Section %d</h2><p>%s</p>", n, n, strings.Repeat(fmt.Sprintf("word%d ", n%97), 300))
		for c := 1; c <= 10; c++ {
			fmt.Fprintf(&b, `<a href="/p/%d">child</a>`, n*10+c)
		}
		fmt.Fprintf(&b, `<a href="http://localhost:1/p/%d">off</a></main></body></html>`, n)
		w.Write([]byte(b.String()))
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := &Config{Output: filepath.Join(dir, "corpus.jsonl"), Seeds: []Seed{{URL: srv.URL + "/p/0", Country: "Kenya"}},
		MaxDepth: 4, MaxPages: 2000, Delay: time.Microsecond, Parallelism: 8}
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	var peak uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	st, err := Build(context.Background(), cfg, nil)
	close(stop)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first build: %+v in %s, peak heap %.1f MB", st, time.Since(start).Round(time.Millisecond), float64(peak)/(1<<20))
	if st.Pages < 1900 || foreign != 0 {
		t.Fatalf("%d pages, %d off-domain requests", st.Pages, foreign)
	}
	if peak > 512<<20 {
		t.Errorf("peak heap %d MB", peak>>20)
	}
	start = time.Now()
	st2, err := Build(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("second build: %+v in %s", st2, time.Since(start).Round(time.Millisecond))
	if st2.Requests != 0 || st2.Passages != st.Passages {
		t.Fatalf("second build: %+v", st2)
	}
}

// TestConfigErrorsAllAtOnce: every problem of a corpus config is reported
// at once, each at its line and column; an unknown country is one.
func TestConfigErrorsAllAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte(`output: out.jsonl
max_pages: -1
seeds:
  - {url: "ftp://x.example/", country: Kenya}
  - {url: "https://x.example/", country: Atlantis}
  - {url: "https://x.example/b"}
`), 0o644)
	_, err := LoadConfig(path)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		path + ":2:12: max_pages: must not be negative, got -1",
		path + ":4:11: seeds[0].url: must be an http(s) URL",
		path + `:5:42: seeds[1].country: unknown country "Atlantis"`,
		path + ":6:5: seeds[2].country: every seed needs the country",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error\n%s\nlacks %q", err, want)
		}
	}
}
